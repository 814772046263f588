package dev.sinter.trainers.kd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.config.ConfigException;
import dev.sinter.framework.util.Json;
import dev.sinter.trainers.kd.KdSettings;
import dev.sinter.trainers.kd.KdStage;
import dev.sinter.trainers.RunConfig;
import dev.sinter.framework.testing.GradientCheck;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.trainers.TrainingRun;
import dev.sinter.trainers.TrainingRunTestAccess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Distillation: the loss against hand computation and finite differences, and staged runs end to end. */
class KdTest {
    static final double[][] STUDENT = {{1.0, -0.5, 0.25, 2.0}, {0.0, 0.3, -1.2, 0.7}};
    static final double[][] TEACHER = {{0.5, 0.5, -1.0, 3.0}, {-0.4, 1.1, 0.2, 0.0}};

    /** T²·mean_n Σ_v p_t (log p_t − log p_s), by hand. */
    static double handKd(double t) {
        double sum = 0;
        for (int n = 0; n < 2; n++) {
            double[] lt = logSoftmax(TEACHER[n], t);
            double[] ls = logSoftmax(STUDENT[n], t);
            for (int v = 0; v < 4; v++) {
                sum += Math.exp(lt[v]) * (lt[v] - ls[v]);
            }
        }
        return t * t * sum / 2;
    }

    static double[] logSoftmax(double[] z, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : z) {
            max = Math.max(max, x / t);
        }
        double s = 0;
        for (double x : z) {
            s += Math.exp(x / t - max);
        }
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = z[i] / t - max - Math.log(s);
        }
        return out;
    }

    static SameDiff graph(double studentLoss) {
        SameDiff sd = SameDiff.create();
        SDVariable z = sd.var("z", Nd4j.createFromArray(STUDENT));
        KdLoss.attach(sd, z, sd.constant(studentLoss).castTo(DataType.DOUBLE), 4, DataType.DOUBLE);
        return sd;
    }

    static Map<String, INDArray> ph(double t, double ce, double kd) {
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(KdLoss.TEACHER_LOGITS, Nd4j.createFromArray(TEACHER));
        ph.put(KdLoss.TEMPERATURE, Nd4j.scalar(DataType.DOUBLE, t));
        ph.put(KdLoss.CE_COEF, Nd4j.scalar(DataType.DOUBLE, ce));
        ph.put(KdLoss.KD_COEF, Nd4j.scalar(DataType.DOUBLE, kd));
        ph.put(KdLoss.TEACHER_ON, Nd4j.scalar(DataType.DOUBLE, 1));
        return ph;
    }

    @Test
    void kdLossEqualsHandComputationInBothFormsAndSeveralTemperatures() {
        SameDiff sd = graph(2.5); // the student's CE
        for (double t : new double[]{0.5, 1, 2, 4}) {
            double kd = handKd(t);
            Map<String, INDArray> out = sd.output(ph(t, 1, 0.7), KdLoss.KD, KdLoss.TOTAL);
            assertEquals(kd, out.get(KdLoss.KD).getDouble(0), 1e-12, "T=" + t);
            assertEquals(2.5 + 0.7 * kd, out.get(KdLoss.TOTAL).getDouble(0), 1e-12, "add form, β=0.7");
            double alpha = 0.3;
            assertEquals((1 - alpha) * 2.5 + alpha * kd,
                    sd.output(ph(t, 1 - alpha, alpha), KdLoss.TOTAL).get(KdLoss.TOTAL).getDouble(0), 1e-12, "mix");
        }
        assertTrue(handKd(1) > 0);
    }

    @Test
    void kdGradientWithRespectToStudentLogitsMatchesFiniteDifferences() {
        for (double t : new double[]{1, 2.5}) {
            SameDiff sd = graph(0);
            GradientCheck.check(sd, ph(t, 1, 1), KdLoss.TOTAL, List.of("z"), 8, 1e-6);
        }
    }

    @Test
    void badScheduleAndTeacherErrors(@TempDir Path dir) throws IOException {
        ConfigException order = assertThrows(ConfigException.class, () -> TrainingRunTestAccess.config(dir, "x",
                "trainer={type: kd, teacher: t, stages: [{until_step: 5}, {until_step: 3}, {kd_weight: 0}]}"));
        assertTrue(order.getMessage().contains("strictly increasing"), order.getMessage());
        assertThrows(ConfigException.class, () -> TrainingRunTestAccess.config(dir, "x",
                "trainer={type: kd, teacher: t, beta: 1, alpha: 0.5}"));
        // a teacher whose vocabulary differs from the student's; its own end-of-run samples stay within the byte
        // tokenizer's 260 ids
        Path teacher = TrainingRunTestAccess.train(dir, "teacher-v300", "training.steps=2", "training.warmup_steps=0",
                "model.vocab_size=300");
        RunConfig cfg = TrainingRunTestAccess.config(dir, "student", "trainer={type: kd, teacher: " + teacher + "}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TrainingRun(cfg).execute());
        assertTrue(e.getMessage().contains("vocabulary of 300") && e.getMessage().contains("260"), e.getMessage());
    }

    @Test
    void stagedKdSwitchesOffAtTheConfiguredStepResumesAndNeverTouchesTheTeacher(@TempDir Path dir) throws IOException {
        Path teacher = TrainingRunTestAccess.train(dir, "teacher", "training.steps=10");
        Map<String, INDArray> teacherBefore = ModelIO.load(teacher).parameterSnapshot();
        String trainer = "trainer={type: kd, teacher: " + teacher + ", temperature: 2.0,"
                + " stages: [{until_step: 5, kd_weight: 1.0}, {kd_weight: 0.0}]}";
        String[] common = {trainer, "training.steps=9", "checkpoint.every=4", "training.eval_every=3"};
        new TrainingRun(TrainingRunTestAccess.config(dir, "straight", common)).execute();
        RunConfig cfg = TrainingRunTestAccess.config(dir, "resumed", common);
        TrainingRun crashing = new TrainingRun(cfg).addListener(TrainingRunTestAccess.crashAt(6));
        assertThrows(IllegalStateException.class, crashing::execute);
        new TrainingRun(cfg).execute(); // resumes from step 4, crosses the stage boundary at 5 → 6
        assertEquals(TrainingRunTestAccess.losses(dir.resolve("straight")), TrainingRunTestAccess.losses(dir.resolve("resumed")));
        for (String line : Files.readAllLines(dir.resolve("straight/metrics.jsonl"))) {
            JsonNode n = Json.read(line);
            if (!n.has("loss")) {
                continue;
            }
            long step = n.get("step").asLong();
            double total = n.get("loss").asDouble();
            double student = n.get("student_loss").asDouble();
            if (step <= 5) {
                double kd = n.get("kd_loss").asDouble();
                assertEquals(student + kd, total, 1e-5, "KD on at step " + step);
                assertTrue(kd > 0);
            } else {
                assertEquals(student, total, 1e-6, "KD off from step 6, got total " + total + " at step " + step);
                assertFalse(n.has("kd_loss"), "no KL against an absent teacher is logged at step " + step);
                assertEquals(0.0, n.get("kd_term").asDouble(), "step " + step);
            }
        }
        Map<String, INDArray> teacherAfter = ModelIO.load(teacher).parameterSnapshot();
        teacherBefore.forEach((n, w) -> assertEquals(w, teacherAfter.get(n), n));

        KdTrainer t = new KdTrainer("kd", new KdSettings(teacher.toString(), 1, 1.0, null,
                List.of(new KdStage(2, 1, null), new KdStage(null, 0, null))));
        TransformerModel student = TransformerModel.create(t.teacher().config(), DataType.FLOAT, 3);
        t.trainable(student);
        Map<String, INDArray> ph = student.trainingPlaceholders(new int[][]{{1, 2, 3, 4, 5}});
        t.addPlaceholders(2, 0, true, ph);
        assertEquals(1, t.teacherPasses());
        assertNotEquals(0.0, ph.get(KdLoss.TEACHER_LOGITS).amaxNumber().doubleValue());
        t.addPlaceholders(3, 0, true, ph);
        t.addPlaceholders(2, 0, false, ph);
        assertEquals(1, t.teacherPasses(), "KD-off steps and validation never run the teacher");
    }
}
