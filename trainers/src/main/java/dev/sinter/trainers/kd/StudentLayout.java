package dev.sinter.trainers.kd;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.MoeConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Mixture-of-Students student derived from its teacher (papers.md §3.3): which teacher layer each student layer
 * stands for, the student's architecture (same widths and experts, fewer layers), and weight initialisation by that
 * mapping.
 */
public final class StudentLayout {
    private final ModelConfig teacher;
    private final List<Integer> layerMap;

    private StudentLayout(ModelConfig teacher, List<Integer> layerMap) {
        this.teacher = teacher;
        this.layerMap = List.copyOf(layerMap);
    }

    /** From an explicit map: student layer i ← teacher layer map[i] (strictly increasing, within the teacher). */
    public static StudentLayout mapped(ModelConfig teacher, List<Integer> map) {
        if (map.isEmpty() || map.size() > teacher.nLayers()) {
            throw new UsageException("trainer.layer_map gives the student " + map.size() + " layers but the"
                    + " teacher has " + teacher.nLayers() + "; a student initialised from its teacher must not be"
                    + " deeper than it");
        }
        for (int i = 0; i < map.size(); i++) {
            int t = map.get(i);
            if (t < 0 || t >= teacher.nLayers() || (i > 0 && t <= map.get(i - 1))) {
                throw new UsageException("trainer.layer_map must hold strictly increasing teacher layer"
                        + " indices in [0, " + teacher.nLayers() + "), got " + map);
            }
        }
        return new StudentLayout(teacher, map);
    }

    /** Drops the given teacher layers. */
    public static StudentLayout dropping(ModelConfig teacher, List<Integer> drop) {
        List<Integer> map = new ArrayList<>();
        for (int i = 0; i < teacher.nLayers(); i++) {
            if (!drop.contains(i)) {
                map.add(i);
            }
        }
        for (int d : drop) {
            if (d < 0 || d >= teacher.nLayers()) {
                throw new UsageException("trainer.drop_layers must name teacher layers in [0, "
                        + teacher.nLayers() + "), got " + drop);
            }
        }
        return mapped(teacher, map);
    }

    /**
     * The paper's choice: drop the last MoE layer of the low-expert group together with the layer before it
     * (24 → 21 layers removed layers from the group with the fewest experts); for a dense teacher, its last layer.
     */
    public static StudentLayout lowExpertDefault(ModelConfig teacher) {
        List<Integer> moe = teacher.moeLayers();
        if (moe.isEmpty()) {
            return dropping(teacher, List.of(teacher.nLayers() - 1));
        }
        int fewest = moe.stream().mapToInt(teacher::expertsAt).min().orElseThrow();
        int last = moe.stream().filter(i -> teacher.expertsAt(i) == fewest).reduce((a, b) -> b).orElseThrow();
        return dropping(teacher, last > 0 ? List.of(last - 1, last) : List.of(last));
    }

    public List<Integer> layerMap() {
        return layerMap;
    }

    /** The student's architecture: the teacher's, with the mapped layers' MoE settings. */
    public ModelConfig studentConfig() {
        ModelConfig dense = teacher.toBuilder().nLayers(layerMap.size()).moe(null).build();
        MoeConfig m = teacher.moe();
        if (m == null) {
            return dense;
        }
        List<Integer> layers = new ArrayList<>();
        List<Integer> experts = new ArrayList<>();
        for (int i = 0; i < layerMap.size(); i++) {
            int e = teacher.expertsAt(layerMap.get(i));
            if (e > 0) {
                layers.add(i);
                experts.add(e);
            }
        }
        if (layers.isEmpty()) {
            return dense;
        }
        return dense.withMoe(m.toBuilder().experts(experts).moeEvery(null).layers(layers).build());
    }

    /** Copies every student parameter from the teacher parameter it maps to (layer i ← layer map[i]). */
    public void initialise(TransformerModel student, TransformerModel teacherModel) {
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> from = teacherModel.parameters();
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> copy = new LinkedHashMap<>();
        for (String name : student.parameterNames()) {
            copy.put(name, from.get(teacherName(name)));
        }
        student.loadParameters(copy, "teacher " + teacherModel.config());
    }

    /** The teacher parameter a student parameter maps to. */
    public String teacherName(String studentName) {
        if (!studentName.startsWith("model.layers.")) {
            return studentName;
        }
        String rest = studentName.substring("model.layers.".length());
        int dot = rest.indexOf('.');
        int i = Integer.parseInt(rest.substring(0, dot));
        return "model.layers." + layerMap.get(i) + rest.substring(dot);
    }
}
