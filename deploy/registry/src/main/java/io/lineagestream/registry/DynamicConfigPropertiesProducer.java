package io.lineagestream.registry;

import io.apicurio.common.apps.config.DynamicConfigPropertyList;
import java.util.List;
import javax.enterprise.context.ApplicationScoped;
import javax.enterprise.inject.Produces;

/**
 * Stands in for the build step of Apicurio's {@code apicurio-common-app-components-config-index}
 * Quarkus extension, whose {@code -deployment} artifact is not available from the package
 * registries reachable here (see deploy/README.md).
 *
 * <p>That build step collects the {@code @Dynamic} configuration properties into a
 * {@link DynamicConfigPropertyList} bean. Without it the list is empty: every property keeps its
 * static value (application.properties / system properties) and none can be changed at run time
 * through the admin API, which the local development registry does not need.
 */
@ApplicationScoped
public class DynamicConfigPropertiesProducer {

    @Produces
    @ApplicationScoped
    DynamicConfigPropertyList dynamicConfigProperties() {
        return new DynamicConfigPropertyList(List.of());
    }
}
