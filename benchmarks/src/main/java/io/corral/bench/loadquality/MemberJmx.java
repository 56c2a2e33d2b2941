package io.corral.bench.loadquality;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * JMX connections to the corral members, opened with the JDK attach API by pid (which starts each member's local
 * management agent; nothing in corral is changed or configured for it). The connections stay open between
 * readings; an idle connection costs the member nothing measurable.
 *
 * <p>Not thread-safe; used from the benchmark's main thread.
 */
final class MemberJmx implements AutoCloseable {

  private final Map<Long, JMXConnector> connectors;

  private MemberJmx(Map<Long, JMXConnector> connectors) {
    this.connectors = connectors;
  }

  /** Attaches to every member; throws when any cannot be attached to. */
  static MemberJmx attach(Iterable<Long> pids) throws IOException {
    Map<Long, JMXConnector> connectors = new LinkedHashMap<>();
    MemberJmx jmx = new MemberJmx(connectors);
    try {
      for (long pid : pids) {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        String address;
        try {
          address = vm.startLocalManagementAgent();
        } finally {
          vm.detach();
        }
        connectors.put(pid, JMXConnectorFactory.connect(new JMXServiceURL(address)));
      }
    } catch (IOException | RuntimeException | AttachNotSupportedException e) {
      jmx.close();
      throw new IOException("cannot attach to a corral member for JMX: " + e, e);
    }
    return jmx;
  }

  /** The MBean server of each member, by pid, in attach order. */
  Map<Long, MBeanServerConnection> servers() throws IOException {
    Map<Long, MBeanServerConnection> out = new LinkedHashMap<>();
    for (Map.Entry<Long, JMXConnector> e : connectors.entrySet()) {
      out.put(e.getKey(), e.getValue().getMBeanServerConnection());
    }
    return out;
  }

  @Override
  public void close() {
    for (JMXConnector c : connectors.values()) {
      try {
        c.close();
      } catch (IOException ignored) {
        // the member may be gone
      }
    }
  }
}
