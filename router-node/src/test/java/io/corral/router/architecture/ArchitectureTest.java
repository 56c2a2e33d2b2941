package io.corral.router.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.hazelcast.map.IMap;
import com.hazelcast.topic.ITopic;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.corral.cluster.ledger.SlotLedger;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The architecture's rules, checked on the compiled main classes of every module (router-node sees them all). */
class ArchitectureTest {

  static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.corral");
  }

  @Test
  void noPackageDependsOnItselfThroughOthers() {
    slices().matching("io.corral.(**)").should().beFreeOfCycles().check(classes);
  }

  @Test
  void theClusterStateKnowsNoHttpAndNoModuleAboveIt() {
    noClasses().that().resideInAPackage("io.corral.cluster..")
        .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "io.corral.router..",
            "io.corral.dashboard..", "io.corral.discovery..", "io.corral.sim..")
        .check(classes);
  }

  @Test
  void theDashboardChangesSharedStateOnlyThroughTheClusterStatesClasses() {
    Set<String> writes = Set.of("put", "putAsync", "set", "setAsync", "remove", "removeAsync", "delete",
        "deleteAsync", "clear", "evict", "evictAll", "submitToKey", "executeOnKey", "executeOnEntries", "putIfAbsent",
        "replace", "publish", "publishAsync", "publishAll", "publishAllAsync");
    Set<String> ledgerChanges = Set.of("acquire", "release", "cancel", "allowCold", "setCapacity", "purgeMember",
        "claimLeadership", "reassert", "tick", "found");
    noClasses().that().resideInAPackage("io.corral.dashboard..")
        .should().callMethodWhere(DescribedPredicate.describe("a write to a Hazelcast map or topic, or a ledger change",
            (JavaMethodCall call) -> {
              boolean hazelcastWrite = (call.getTargetOwner().isAssignableTo(IMap.class)
                  || call.getTargetOwner().isAssignableTo(ITopic.class)) && writes.contains(call.getName());
              boolean ledgerChange = call.getTargetOwner().isEquivalentTo(SlotLedger.class)
                  && ledgerChanges.contains(call.getName());
              return hazelcastWrite || ledgerChange;
            }))
        .orShould().dependOnClassesThat().resideInAPackage("io.corral.router..")
        .check(classes);
  }

  @Test
  void nothingOnTheRequestPathReadsTheSystemClockItself() {
    noClasses().that().resideInAnyPackage("io.corral.router.api..", "io.corral.router.proxy..",
            "io.corral.router.routing..", "io.corral.router.protocol..")
        .should().callMethod(System.class, "nanoTime")
        .orShould().callMethod(System.class, "currentTimeMillis")
        .orShould().callMethod(java.time.Instant.class, "now")
        .orShould().callMethod(java.time.InstantSource.class, "system")
        .because("the request path takes its clock injected (Ticker), so tests can set the time")
        .check(classes);
  }
}
