package dev.sinter.trainers.smt;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.sinter.framework.checkpoint.Checkpoint;
import dev.sinter.framework.checkpoint.SafetensorsIO;
import dev.sinter.framework.util.Json;
import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.train.LearningRateSchedule;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.models.family.FamilyModel;
import dev.sinter.models.family.Projection;
import dev.sinter.models.transformer.LinearLayer;
import dev.sinter.trainers.Phase;
import dev.sinter.trainers.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Sparse Matrix Tuning (papers.md §2.1) of any model family, in two {@link Phase}s. {@code warmup}: {@code warmup_steps}
 * of full fine-tuning while the signed gradients of the target matrices (the projections whose role is among
 * {@code trainer.targets}) are summed. {@code sparse}: the top blocks are selected (separate attention and MLP
 * budgets by default; MoE experts and the residual MLP ranked with the rest of the MLP group) and the model is rebuilt
 * with {@link SmtLinearLayer}: only the blocks (and the model's head parameters) train, with optimizer state for them
 * alone. Checkpoints always hold the dense (written-back) weights, plus the gradient sums (warm-up) or the selection
 * (sparse), so resuming in either phase is exact, and the run leaves a plain dense model.
 */
public final class SmtTrainer implements Trainer {
    public static final String SELECTION_FILE = "smt_selection.json";
    static final String ACCUMULATOR_FILE = "smt_gradient_sums.safetensors";
    private static final Logger LOG = LogManager.getLogger(SmtTrainer.class);

    private final SmtTrainerConfig cfg;
    private final TrainingConfig training;
    private final Map<String, INDArray> gradientSums = new LinkedHashMap<>();
    private List<Block> selection;
    private SmtLinearLayer sparse;
    private Map<String, Projection> targets = Map.of(); // weight name → projection, of the architecture's target roles

    /** @param training the run's training settings (the sparse phase's restarted schedule spans its remaining steps) */
    public SmtTrainer(SmtTrainerConfig cfg, TrainingConfig training) {
        this.cfg = cfg;
        this.training = training;
    }

    @Override
    public String type() {
        return SmtTrainerConfig.TYPE;
    }

    /** Records the target projections of the architecture; the warm-up model is dense. */
    @Override
    public LinearLayer linearLayer(List<Projection> projections) {
        targets = new LinkedHashMap<>();
        Projection.inRoles(projections, cfg.targets()).forEach(p -> targets.put(p.weight(), p));
        return LinearLayer.DENSE;
    }

    /**
     * Warm-up, then the sparse phase. With {@code schedule: restart} (the official code's new optimizer and scheduler)
     * the sparse phase has its own schedule: warm-up + cosine from {@code smt_lr} over the remaining steps, decaying to
     * {@code smt_lr · min_lr / lr} (the run's proportion).
     */
    @Override
    public List<Phase> phases() {
        return List.of(Phase.first("warmup"), new Phase("sparse", cfg.warmupSteps(), this::sparseModel,
                cfg.schedule().equals(SmtTrainerConfig.RESTART) ? sparseSchedule() : null));
    }

    private LearningRateSchedule sparseSchedule() {
        double peak = cfg.smtLr() != null ? cfg.smtLr() : training.lr();
        int remaining = Math.max(1, training.steps() - cfg.warmupSteps());
        return new LearningRateSchedule(peak, peak * training.minLr() / training.lr(), cfg.smtWarmupSteps(), remaining);
    }

    /** Warm-up: every parameter; sparse: the blocks, then the model's head parameters. */
    @Override
    public List<String> trainableParameters(TrainableModel model) {
        if (sparse == null) {
            return model.parameterNames();
        }
        List<String> blocks = sparse.blocksByMatrix().keySet().stream().map(SmtLinearLayer::blocksName).toList();
        List<String> head = model instanceof FamilyModel f ? f.headParameters() : List.of();
        return java.util.stream.Stream.concat(blocks.stream(), head.stream()).toList();
    }

    @Override
    public void transformGradients(long step, Map<String, INDArray> gradients) {
        if (sparse != null) {
            return;
        }
        // SMT §2.1: sum the signed full gradients of the target matrices over the warm-up
        gradients.forEach((name, g) -> {
            if (targets.containsKey(name)) {
                gradientSums.merge(name, g.dup(), INDArray::addi);
            }
        });
    }

    /** Selects the blocks from the warm-up's gradient sums and builds the sparse phase's model. */
    private FamilyModel sparseModel(FamilyModel dense) {
        cfg.checkAgainst(dense.projections());
        if (gradientSums.isEmpty()) {
            throw new IllegalStateException("SMT has no warm-up gradients to select blocks from");
        }
        selection = new BlockSelector(cfg).select(gradientSums, targets, dense.parameterCount());
        LOG.info("SMT: selected {} blocks of {}×{} ({} parameters, {}% of the model)", selection.size(),
                cfg.blockSize(), cfg.blockSize(), (long) selection.size() * cfg.blockSize() * cfg.blockSize(),
                String.format("%.3f", 100.0 * selection.size() * cfg.blockSize() * cfg.blockSize() / dense.parameterCount()));
        LOG.info("SMT: selected share of each matrix type's available blocks: {}", summary().describe());
        return buildSparse(dense.parameterSnapshot(), dense);
    }

    private FamilyModel buildSparse(Map<String, INDArray> denseWeights, FamilyModel like) {
        sparse = new SmtLinearLayer(selection, cfg.blockSize());
        FamilyModel model = like.rebuild(sparse);
        Map<String, INDArray> blocks = sparse.extractBlocks(denseWeights); // zeroes the blocks in denseWeights
        model.loadParameters(denseWeights, "SMT W0");
        blocks.forEach((name, b) -> model.graph().getVariable(name).getArr().assign(b));
        return model;
    }

    @Override
    public Map<String, INDArray> checkpointTensors(FamilyModel model) {
        return sparse == null ? model.parameters() : writtenBack(model);
    }

    @Override
    public Map<String, byte[]> checkpointFiles() {
        try {
            if (sparse != null) {
                return Map.of(SELECTION_FILE, Json.pretty().writeValueAsBytes(selection));
            }
            Path tmp = Files.createTempFile("smt", ".safetensors");
            try {
                SafetensorsIO.write(tmp, gradientSums, Map.of());
                return Map.of(ACCUMULATOR_FILE, Files.readAllBytes(tmp));
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public FamilyModel resume(FamilyModel dense, Checkpoint cp) {
        dense.loadParameters(cp.parameters(), cp.directory().toString());
        try {
            Path sel = cp.directory().resolve(SELECTION_FILE);
            if (Files.exists(sel)) {
                selection = Json.mapper().readValue(sel.toFile(), new TypeReference<List<Block>>() { }).stream()
                        .map(b -> b.location() != null ? b : new Block(b.matrix(), b.target(), b.layer(), b.rowBlock(),
                                b.colBlock(), b.score(), targets.get(b.matrix()).location())) // written before locations
                        .toList();
                return buildSparse(dense.parameterSnapshot(), dense);
            }
            Path acc = cp.directory().resolve(ACCUMULATOR_FILE);
            if (Files.exists(acc)) {
                gradientSums.putAll(SafetensorsIO.read(acc));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read SMT state from " + cp.directory(), e);
        }
        return cp.state().step() >= cfg.warmupSteps() ? sparseModel(dense) : dense;
    }

    @Override
    public Map<String, INDArray> optimizerState(Checkpoint cp) {
        boolean phaseA = !Files.exists(cp.directory().resolve(SELECTION_FILE));
        // a warm-up checkpoint at the switch step holds full-model moments; the block optimizer starts fresh
        return phaseA && cp.state().step() >= cfg.warmupSteps() ? Map.of() : cp.optimizer();
    }

    @Override
    public FamilyModel finalModel(FamilyModel trained) {
        if (sparse == null) {
            return trained;
        }
        FamilyModel dense = trained.rebuild(LinearLayer.DENSE);
        dense.loadParameters(writtenBack(trained), "SMT write-back");
        return dense;
    }

    @Override
    public void writeArtifacts(Path runDir) throws IOException {
        if (selection != null) {
            Files.write(runDir.resolve(SELECTION_FILE), Json.pretty().writeValueAsBytes(selection));
            summary().write(runDir, selection, targets.values(), cfg.blockSize());
        }
    }

    /** Where the selected blocks went, per matrix type and location, relative to the blocks available. */
    public SelectionSummary summary() {
        return SelectionSummary.of(selection, targets.values(), cfg.blockSize());
    }

    /** The selected blocks (null before the switch). */
    public List<Block> selection() {
        return selection;
    }

    private Map<String, INDArray> writtenBack(FamilyModel model) {
        return sparse.writeBack(model.parameters(), name -> model.graph().getVariable(name).getArr());
    }
}
