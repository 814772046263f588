package dev.sinter.framework.samediff;

import org.nd4j.linalg.api.ops.DynamicCustomOp;

/** The axis a softmax-like custom op carries as its single integer argument. */
final class OpAxis {
    private OpAxis() {
    }

    /** The op's axis as given (possibly negative), or null when it has none or several: keep the stock gradient. */
    static Integer explicit(DynamicCustomOp op) {
        long[] iArgs = op.iArgs();
        return iArgs == null || iArgs.length != 1 ? null : (int) iArgs[0];
    }
}
