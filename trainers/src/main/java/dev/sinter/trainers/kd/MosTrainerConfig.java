package dev.sinter.trainers.kd;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

import static java.util.Objects.requireNonNullElse;

/**
 * Trainer {@code type: mos}: Mixture-of-Students (papers.md §3.3). The student is the teacher's architecture with
 * fewer layers: {@code layer_map} lists, for each student layer, the teacher layer it corresponds to; without it,
 * {@code drop_layers} names teacher layers to remove; without either, the last two layers of the low-expert group
 * are dropped (the paper's 24 → 21 removed layers from the group with the fewest experts). The model section of the
 * run is not used: the architecture comes from the teacher. Distillation settings as for {@code kd}.
 *
 * @param kd               distillation settings (teacher, temperature, beta/alpha, stages)
 * @param layerMap         teacher layer index of each student layer, or null
 * @param dropLayers       teacher layers to drop, or null
 * @param initFromTeacher  copy the mapped layers (and embeddings, final norm, head) from the teacher
 */
public record MosTrainerConfig(@JsonIgnore KdSettings kd, List<Integer> layerMap, List<Integer> dropLayers,
                               boolean initFromTeacher) implements DistillationConfig {
    public static final String TYPE = "mos";

    public MosTrainerConfig {
        if (layerMap != null && dropLayers != null) {
            throw new IllegalArgumentException("layer_map and drop_layers are exclusive; set one of them");
        }
        layerMap = layerMap == null ? null : List.copyOf(layerMap);
        dropLayers = dropLayers == null ? null : List.copyOf(dropLayers);
    }

    @JsonCreator
    public static MosTrainerConfig of(@JsonProperty("teacher") String teacher,
                                      @JsonProperty("temperature") Double temperature,
                                      @JsonProperty("beta") Double beta, @JsonProperty("alpha") Double alpha,
                                      @JsonProperty("stages") List<KdStage> stages,
                                      @JsonProperty("layer_map") List<Integer> layerMap,
                                      @JsonProperty("drop_layers") List<Integer> dropLayers,
                                      @JsonProperty("init_from_teacher") Boolean initFromTeacher) {
        return new MosTrainerConfig(new KdSettings(teacher, requireNonNullElse(temperature, 1.0), beta, alpha, stages),
                layerMap, dropLayers, requireNonNullElse(initFromTeacher, true));
    }

    @Override
    public String type() {
        return TYPE;
    }
}
