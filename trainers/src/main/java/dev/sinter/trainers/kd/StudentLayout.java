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

    /** The share of the teacher's depth the paper's student drops: 24 → 21 layers (papers.md §3.3). */
    public static final double DROPPED_DEPTH = 0.125;

    /**
     * The paper's rule (papers.md §3.3: 24 → 21 layers, 12 → 10 MoE layers, the removed MoE layers from the group with
     * the fewest experts): drop ⌈L/8⌉ of the teacher's L layers, ⌈M/8⌉ of them among its M MoE layers, namely the
     * last MoE layers of the low-expert group, and the rest dense layers, the nearest before the last dropped MoE
     * layer. The paper's student keeps most of its low-expert layers (8 of 10), so a teacher whose low-expert group
     * the rule would empty is refused; a dense teacher loses its last ⌈L/8⌉ layers.
     */
    public static StudentLayout paperDefault(ModelConfig teacher) {
        int depth = teacher.nLayers();
        int drop = dropped(depth);
        if (drop >= depth) {
            throw new UsageException("the Mixture-of-Students rule (drop 12.5% of the depth, at least one layer) leaves"
                    + " no layer of this " + depth + "-layer teacher; set trainer.layer_map or use a deeper teacher");
        }
        List<Integer> moe = teacher.moeLayers();
        if (moe.isEmpty()) {
            List<Integer> last = new ArrayList<>();
            for (int i = depth - drop; i < depth; i++) {
                last.add(i);
            }
            return dropping(teacher, last);
        }
        int fewest = moe.stream().mapToInt(teacher::expertsAt).min().orElseThrow();
        List<Integer> low = moe.stream().filter(i -> teacher.expertsAt(i) == fewest).toList();
        int dropMoe = dropped(moe.size());
        if (dropMoe >= low.size()) {
            throw new UsageException("the Mixture-of-Students rule drops " + dropMoe + " of this teacher's " + moe.size()
                    + " MoE layers from its low-expert group (" + low.size() + " layer(s) of " + fewest + " experts),"
                    + " which leaves that group no layer; the paper's student keeps 8 of 10. Set trainer.layer_map or"
                    + " trainer.drop_layers, or use a teacher with more low-expert layers");
        }
        List<Integer> out = new ArrayList<>(low.subList(low.size() - dropMoe, low.size()));
        int lastDropped = out.get(out.size() - 1);
        List<Integer> dense = new ArrayList<>();
        for (int i = depth - 1; i >= 0; i--) {
            if (teacher.expertsAt(i) == 0) {
                dense.add(i);
            }
        }
        dense.sort(java.util.Comparator.comparingInt((Integer i) -> i < lastDropped ? 0 : 1)
                .thenComparingInt(i -> -i)); // before the last dropped MoE layer first, nearest first
        int denseDrop = drop - dropMoe;
        if (denseDrop > dense.size()) {
            throw new UsageException("the Mixture-of-Students rule drops " + drop + " layers, " + denseDrop
                    + " of them dense, but this teacher has " + dense.size() + " dense layer(s); set trainer.layer_map");
        }
        out.addAll(dense.subList(0, denseDrop));
        return dropping(teacher, out);
    }

    /** Layers the rule removes from n: 12.5% rounded up (24 → 3, 12 → 2, 4 → 1), so a student is always smaller. */
    static int dropped(int n) {
        return (int) Math.ceil(n * DROPPED_DEPTH - 1e-9);
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
