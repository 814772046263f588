package dev.sinter.trainers.kd;

import dev.sinter.models.config.ModelConfig;
import dev.sinter.trainers.kd.MosTrainerConfig;
import dev.sinter.models.family.FamilyModel;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Mixture-of-Students: distillation ({@link KdTrainer}) into a shallower copy of the teacher's architecture, laid
 * out by {@link StudentLayout} and optionally initialised from the teacher's mapped layers.
 */
public final class MosTrainer extends KdTrainer {
    private static final Logger LOG = LogManager.getLogger(MosTrainer.class);
    private final MosTrainerConfig cfg;
    private StudentLayout layout;

    /** @param steps the run's training steps (the default staged KD stops at a fraction of them) */
    public MosTrainer(MosTrainerConfig cfg, int steps) {
        super(MosTrainerConfig.TYPE, cfg.settingsFor(steps));
        this.cfg = cfg;
    }

    /** The student's layout (built from the teacher on first use). */
    public StudentLayout layout() {
        if (layout == null) {
            ModelConfig t = teacher().config();
            layout = cfg.layerMap() != null ? StudentLayout.mapped(t, cfg.layerMap())
                    : cfg.dropLayers() != null ? StudentLayout.dropping(t, cfg.dropLayers())
                    : StudentLayout.paperDefault(t);
            LOG.info("mos: student of {} layers ← teacher layers {}", layout.layerMap().size(), layout.layerMap());
        }
        return layout;
    }

    @Override
    public Optional<ModelConfig> architecture() {
        return Optional.of(layout().studentConfig());
    }

    @Override
    public void initialise(FamilyModel student) {
        if (cfg.initFromTeacher()) {
            layout().initialise(decoder(student), teacher());
        }
    }
}
