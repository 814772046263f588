package dev.sinter.trainers.kd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.UsageException;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.config.MoeConfig;
import java.util.ArrayList;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.trainers.TrainingRun;
import dev.sinter.trainers.TrainingRunTestAccess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Mixture-of-Students: the student's layout, its initialisation from the teacher, and a run end to end. */
class MosTest {
    static final String TEACHER_MODEL = "model={name: tiny-prmoe, n_layers: 4, moe: {experts: [4, 8], layers: [1, 3]}}";

    @Test
    void studentInitialisedFromTheTeacherCopiesExactlyTheMappedLayers(@TempDir Path dir) throws IOException {
        Path teacherRun = TrainingRunTestAccess.train(dir, "teacher", TEACHER_MODEL, "training.steps=2",
                "training.warmup_steps=0");
        TransformerModel teacher = ModelIO.load(teacherRun);
        ModelConfig t = teacher.config();
        assertEquals(List.of(1, 3), t.moeLayers());
        StudentLayout layout = StudentLayout.dropping(t, List.of(0, 1));
        assertEquals(List.of(2, 3), layout.layerMap(), "the 4-expert MoE layer 1 and the layer before it go");
        ModelConfig s = layout.studentConfig();
        assertEquals(2, s.nLayers());
        assertEquals(List.of(1), s.moeLayers());
        assertEquals(8, s.expertsAt(1));

        TransformerModel student = TransformerModel.create(s, DataType.FLOAT, 99);
        layout.initialise(student, teacher);
        Map<String, INDArray> tp = teacher.parameters();
        for (Map.Entry<String, INDArray> e : student.parameters().entrySet()) {
            String teacherName = e.getKey().replace("model.layers.0.", "model.layers.2.")
                    .replace("model.layers.1.", "model.layers.3.");
            assertEquals(tp.get(teacherName), e.getValue(), e.getKey() + " ← " + teacherName);
        }
        IllegalArgumentException deep = assertThrows(IllegalArgumentException.class,
                () -> StudentLayout.mapped(t, List.of(0, 1, 2, 3, 3)));
        assertTrue(deep.getMessage().contains("must not be deeper"), deep.getMessage());
    }

    /** The paper's teacher: 24 layers, MoE on every other one, 10 × 32 experts then 2 × 64 (papers.md §3.2). */
    static ModelConfig paperTeacher() {
        List<Integer> layers = new ArrayList<>();
        List<Integer> experts = new ArrayList<>();
        for (int i = 1; i < 24; i += 2) {
            layers.add(i);
            experts.add(layers.size() <= 10 ? 32 : 64);
        }
        return ModelPreset.registry().get("tiny").config().toBuilder().nLayers(24).build()
                .withMoe(MoeConfig.builder(experts).layers(layers).residual(true).build());
    }

    @Test
    void defaultStudentFollowsThePapersRule() {
        ModelConfig s = StudentLayout.paperDefault(paperTeacher()).studentConfig();
        assertEquals(21, s.nLayers(), "24 → 21 layers");
        assertEquals(10, s.moeLayers().size(), "12 → 10 MoE layers");
        assertEquals(8, s.moeLayers().stream().filter(i -> s.expertsAt(i) == 32).count(), "8 × 32 + 2 × 64 experts");
        assertEquals(List.of(17, 18, 19), missing(StudentLayout.paperDefault(paperTeacher()).layerMap(), 24),
                "the last two low-expert MoE layers and the dense layer between them");

        // 8 layers, MoE-4 on 1, 3, 5 and MoE-8 on 7: drop ⌈8/8⌉ = 1 layer, an MoE-4 one (the last)
        ModelConfig eight = ModelPreset.registry().get("tiny").config().toBuilder().nLayers(8).build()
                .withMoe(MoeConfig.builder(List.of(4, 4, 4, 8)).layers(List.of(1, 3, 5, 7)).build());
        StudentLayout small = StudentLayout.paperDefault(eight);
        assertEquals(List.of(5), missing(small.layerMap(), 8));
        assertEquals(List.of(1, 3, 6), small.studentConfig().moeLayers());

        // the shipped tiny PR-MoE teacher (MoE-4 on 1, MoE-8 on 3): the rule would remove its only MoE-4 layer
        ModelConfig tiny = ModelPreset.registry().get("tiny").config().toBuilder().nLayers(4).build()
                .withMoe(MoeConfig.builder(List.of(4, 8)).layers(List.of(1, 3)).build());
        UsageException refused = assertThrows(UsageException.class, () -> StudentLayout.paperDefault(tiny));
        assertTrue(refused.getMessage().contains("leaves that group no layer")
                && refused.getMessage().contains("trainer.layer_map"), refused.getMessage());
    }

    private static List<Integer> missing(List<Integer> map, int depth) {
        return java.util.stream.IntStream.range(0, depth).filter(i -> !map.contains(i)).boxed().toList();
    }

    @Test
    void kdStopsAtThePapersFractionOfTrainingByDefault() {
        MosTrainerConfig byDefault = MosTrainerConfig.of("runs/t", null, null, null, null, null, null, null, null);
        assertEquals(0.7, byDefault.kdStopFraction());
        KdSettings s = byDefault.settingsFor(100);
        assertEquals(1.0, s.stageAt(70).kdWeight());
        assertEquals(0.0, s.stageAt(71).kdWeight());
        assertEquals(1.0, MosTrainerConfig.of("runs/t", null, null, null, null, null, null, null, 1.0)
                .settingsFor(100).stageAt(100).kdWeight(), "kd_stop_fraction 1: KD throughout");
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> MosTrainerConfig.of(
                "runs/t", null, null, null, List.of(new KdStage(null, 1.0, null)), null, null, null, 0.5));
        assertTrue(both.getMessage().contains("exclusive"), both.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MosTrainerConfig.of("runs/t", null, null, null, null, null,
                null, null, 1.5));
    }

    @Test
    void mosRunTrainsAStudentThatLoadsLikeAnyModel(@TempDir Path dir) throws IOException {
        Path teacherRun = TrainingRunTestAccess.train(dir, "teacher", TEACHER_MODEL, "training.steps=2",
                "training.warmup_steps=0");
        TrainingRun.Result r = new TrainingRun(TrainingRunTestAccess.config(dir, "student",
                "trainer={type: mos, teacher: " + teacherRun + ", layer_map: [0, 3], temperature: 2.0,"
                        + " stages: [{until_step: 2, kd_weight: 1.0}, {kd_weight: 0.0}]}",
                "training.steps=4", "training.warmup_steps=0")).execute();
        TransformerModel student = ModelIO.load(r.runDir());
        assertEquals(2, student.config().nLayers());
        assertEquals(List.of(1), student.config().moeLayers());
        assertEquals(r.decoder().logits(new int[][]{{1, 2, 3}}), student.logits(new int[][]{{1, 2, 3}}));
    }
}
