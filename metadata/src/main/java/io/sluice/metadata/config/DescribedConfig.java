package io.sluice.metadata.config;

/**
 * One entry of a DescribeConfigs answer.
 *
 * @param name the config name
 * @param value the effective value rendered as a string; {@code null} when sensitive or unset
 * @param source where the value comes from
 * @param readOnly whether it cannot be altered at runtime
 * @param sensitive whether the value is hidden
 * @param type the value type
 * @param documentation the key's documentation
 */
public record DescribedConfig(
        String name,
        String value,
        ConfigSource source,
        boolean readOnly,
        boolean sensitive,
        ConfigType type,
        String documentation) {}
