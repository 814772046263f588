package dev.sinter.trainers.kd;

import dev.sinter.framework.config.Checks;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

import static java.util.Objects.requireNonNullElse;

/**
 * Trainer {@code type: mos}: Mixture-of-Students (papers.md §3.3). The student is the teacher's architecture with
 * fewer layers: {@code layer_map} lists, for each student layer, the teacher layer it corresponds to; without it,
 * {@code drop_layers} names teacher layers to remove; without either, the paper's rule ({@link
 * StudentLayout#paperDefault}: 12.5% of the depth, the MoE layers among them from the low-expert group). The model
 * section of the run is not used: the architecture comes from the teacher. Distillation settings as for {@code kd};
 * without {@code stages}, KD stops after {@code kd_stop_fraction} of the steps (staged KD, the paper's default).
 *
 * @param kd               distillation settings (teacher, temperature, beta/alpha, stages)
 * @param layerMap         teacher layer index of each student layer, or null
 * @param dropLayers       teacher layers to drop, or null
 * @param initFromTeacher  copy the mapped layers (and embeddings, final norm, head) from the teacher
 * @param kdStopFraction   without explicit stages: the fraction of training steps with KD, in (0, 1] (default 0.7:
 *                         the paper stops KD at 400K of the ≈572K steps of 300B tokens at batch 256 × 2048); null
 *                         when stages are given
 */
public record MosTrainerConfig(@JsonIgnore KdSettings kd, List<Integer> layerMap, List<Integer> dropLayers,
                               boolean initFromTeacher, Double kdStopFraction) implements DistillationConfig {
    public static final String TYPE = "mos";
    /** KD's share of the paper's run: stopped at 400K steps of 300B / (256 · 2048) ≈ 572K. */
    public static final double PAPER_KD_STOP_FRACTION = 0.7;

    public MosTrainerConfig {
        if (layerMap != null && dropLayers != null) {
            throw new IllegalArgumentException("layer_map and drop_layers are exclusive; set one of them");
        }
        if (kdStopFraction != null) {
            Checks.inRangeOpenLow("kd_stop_fraction", kdStopFraction, 0, 1);
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
                                      @JsonProperty("init_from_teacher") Boolean initFromTeacher,
                                      @JsonProperty("kd_stop_fraction") Double kdStopFraction) {
        if (stages != null && kdStopFraction != null) {
            throw new IllegalArgumentException("stages and kd_stop_fraction are exclusive: kd_stop_fraction builds the"
                    + " stages (KD, then CE only); set one of them");
        }
        return new MosTrainerConfig(new KdSettings(teacher, requireNonNullElse(temperature, 1.0), beta, alpha, stages),
                layerMap, dropLayers, requireNonNullElse(initFromTeacher, true),
                stages == null ? requireNonNullElse(kdStopFraction, PAPER_KD_STOP_FRACTION) : null);
    }

    /** The explicit stages, or null when {@code kd_stop_fraction} builds them. */
    @Override
    @JsonProperty("stages")
    public List<KdStage> stages() {
        return kdStopFraction == null ? kd().stages() : null;
    }

    /**
     * The distillation settings of a run of {@code steps}: with {@code kd_stop_fraction}, KD (weight 1) through step
     * ⌈fraction·steps⌉, then CE only; KD throughout when that is every step.
     */
    public KdSettings settingsFor(int steps) {
        if (kdStopFraction == null) {
            return kd();
        }
        int until = (int) Math.ceil(kdStopFraction * steps - 1e-9);
        List<KdStage> stages = until >= steps ? null
                : List.of(new KdStage(Math.max(1, until), 1.0, null), new KdStage(null, 0.0, null));
        return new KdSettings(kd().teacher(), kd().temperature(), kd().beta(), kd().alpha(), stages);
    }

    @Override
    public String type() {
        return TYPE;
    }
}
