package dev.sinter.encoders.continual.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LmContinualReportTest {
    @Test
    void numbersPrintWithThreeDecimalsAndNoNegativeZero() {
        assertEquals("0.000", LmContinualReport.decimals(-0.0001));
        assertEquals("0.000", LmContinualReport.decimals(-0.0));
        assertEquals("-0.062", LmContinualReport.decimals(-0.0621));
        assertEquals("3.795", LmContinualReport.decimals(3.7951));
    }
}
