package io.corral.router.config;

/** A configuration value that cannot be used; the message names the setting, its source and what is allowed. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
