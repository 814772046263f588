package dev.sinter.trainers.smt;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.sinter.framework.checkpoint.Checkpoint;
import dev.sinter.framework.checkpoint.SafetensorsIO;
import dev.sinter.framework.util.Json;
import dev.sinter.trainers.smt.SmtTrainerConfig;
import dev.sinter.trainers.TargetModules;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.models.transformer.TransformerModel;
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
 * Sparse Matrix Tuning (papers.md §2.1). Phase A: {@code warmup_steps} of full fine-tuning while the signed
 * gradients of the target matrices are summed. Then the top blocks are selected and the model is rebuilt with
 * {@link SmtLinearLayer}: only the blocks train, with optimizer state for them alone. Checkpoints always hold the
 * dense (written-back) weights, plus the gradient sums (phase A) or the selection (phase B), so resuming in either
 * phase is exact, and the run leaves a plain dense model.
 */
public final class SmtTrainer implements Trainer {
    public static final String SELECTION_FILE = "smt_selection.json";
    static final String ACCUMULATOR_FILE = "smt_gradient_sums.safetensors";
    private static final Logger LOG = LogManager.getLogger(SmtTrainer.class);

    private final SmtTrainerConfig cfg;
    private final Map<String, INDArray> gradientSums = new LinkedHashMap<>();
    private List<Block> selection;
    private SmtLinearLayer sparse;

    public SmtTrainer(SmtTrainerConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public String type() {
        return SmtTrainerConfig.TYPE;
    }

    @Override
    public List<String> trainableParameters(TrainableModel model) {
        if (sparse == null) {
            return model.parameterNames();
        }
        return sparse.blocksByMatrix().keySet().stream().map(SmtLinearLayer::blocksName).toList();
    }

    @Override
    public void transformGradients(long step, Map<String, INDArray> gradients) {
        if (sparse != null) {
            return;
        }
        // SMT §2.1: sum the signed full gradients of the target matrices over the warm-up
        gradients.forEach((name, g) -> {
            if (isTarget(name)) {
                gradientSums.merge(name, g.dup(), INDArray::addi);
            }
        });
    }

    @Override
    public long switchStep() {
        return cfg.warmupSteps();
    }

    @Override
    public TransformerModel switchModel(TransformerModel dense) {
        cfg.checkAgainst(dense.config());
        if (gradientSums.isEmpty()) {
            throw new IllegalStateException("SMT has no warm-up gradients to select blocks from");
        }
        Map<String, String> targets = new LinkedHashMap<>();
        Map<String, Integer> layers = new LinkedHashMap<>();
        gradientSums.keySet().forEach(n -> {
            targets.put(n, targetOf(n));
            layers.put(n, layerOf(n));
        });
        BlockSelector selector = new BlockSelector(cfg);
        int n = selector.blockCount(dense.parameterCount());
        selection = selector.select(gradientSums, targets, layers, n);
        LOG.info("SMT: selected {} blocks of {}×{} ({} parameters, {}% of the model)", selection.size(),
                cfg.blockSize(), cfg.blockSize(), (long) selection.size() * cfg.blockSize() * cfg.blockSize(),
                String.format("%.3f", 100.0 * selection.size() * cfg.blockSize() * cfg.blockSize() / dense.parameterCount()));
        return buildSparse(dense.parameterSnapshot(), dense);
    }

    private TransformerModel buildSparse(Map<String, INDArray> denseWeights, TransformerModel like) {
        sparse = new SmtLinearLayer(selection, cfg.blockSize());
        TransformerModel model = TransformerModel.create(like.config(), like.dataType(), 0, sparse);
        Map<String, INDArray> blocks = sparse.extractBlocks(denseWeights); // zeroes the blocks in denseWeights
        model.loadParameters(denseWeights, "SMT W0");
        blocks.forEach((name, b) -> model.graph().getVariable(name).getArr().assign(b));
        return model;
    }

    @Override
    public Map<String, INDArray> checkpointTensors(TransformerModel model) {
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
    public TransformerModel resume(TransformerModel dense, Checkpoint cp) {
        dense.loadParameters(cp.parameters(), cp.directory().toString());
        try {
            Path sel = cp.directory().resolve(SELECTION_FILE);
            if (Files.exists(sel)) {
                selection = Json.mapper().readValue(sel.toFile(), new TypeReference<List<Block>>() { });
                return buildSparse(dense.parameterSnapshot(), dense);
            }
            Path acc = cp.directory().resolve(ACCUMULATOR_FILE);
            if (Files.exists(acc)) {
                gradientSums.putAll(SafetensorsIO.read(acc));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read SMT state from " + cp.directory(), e);
        }
        return cp.state().step() >= cfg.warmupSteps() ? switchModel(dense) : dense;
    }

    @Override
    public Map<String, INDArray> optimizerState(Checkpoint cp) {
        boolean phaseA = !Files.exists(cp.directory().resolve(SELECTION_FILE));
        // a warm-up checkpoint at the switch step holds full-model moments; the block optimizer starts fresh
        return phaseA && cp.state().step() >= cfg.warmupSteps() ? Map.of() : cp.optimizer();
    }

    @Override
    public TransformerModel finalModel(TransformerModel trained) {
        if (sparse == null) {
            return trained;
        }
        TransformerModel dense = TransformerModel.create(trained.config(), trained.dataType(), 0);
        dense.loadParameters(writtenBack(trained), "SMT write-back");
        return dense;
    }

    @Override
    public void writeArtifacts(Path runDir) throws IOException {
        if (selection != null) {
            Files.write(runDir.resolve(SELECTION_FILE), Json.pretty().writeValueAsBytes(selection));
            SelectionPlots.write(runDir, selection, cfg.targets());
        }
    }

    /** The selected blocks (null before the switch). */
    public List<Block> selection() {
        return selection;
    }

    private Map<String, INDArray> writtenBack(TransformerModel model) {
        return sparse.writeBack(model.parameters(), name -> model.graph().getVariable(name).getArr());
    }

    private boolean isTarget(String name) {
        return name.startsWith("model.layers.") && cfg.targets().stream().map(TargetModules::fragment)
                .anyMatch(name::endsWith);
    }

    private String targetOf(String name) {
        return cfg.targets().stream().filter(t -> name.endsWith(TargetModules.fragment(t))).findFirst().orElseThrow();
    }

    private static int layerOf(String name) {
        String rest = name.substring("model.layers.".length());
        return Integer.parseInt(rest.substring(0, rest.indexOf('.')));
    }
}
