package dev.sinter.framework.samediff;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For tests of the Java-kernel ops ({@code @ExtendWith(JavaKernelsActive.class)}): fails the class up front unless
 * the kernel executioner is installed, so that no test passes on the composed fallbacks by accident.
 */
final class JavaKernelsActive implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        assertTrue(KernelExecutioner.active(), "the Java kernel executioner is installed on the CPU backend");
    }
}
