package dev.sinter.trainers.lora;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.sinter.framework.checkpoint.Checkpoint;
import dev.sinter.framework.util.Json;
import dev.sinter.trainers.lora.LoraTrainerConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.LinearLayer;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.trainers.Trainer;
import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.models.config.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * LoRA fine-tuning: only the adapters train; checkpoints hold only the adapters (plus the base model's path and
 * the LoRA settings in their metadata); {@link #merge} folds them into a dense model, {@code W + (alpha/r)·B·A}.
 */
public final class LoraTrainer implements Trainer {
    /** Metadata key of an adapter checkpoint: the LoRA settings as JSON. */
    public static final String ADAPTER_KEY = ModelIO.ADAPTER_KEY;

    private final LoraTrainerConfig cfg;
    private final long seed;
    private final String basePath;
    private LoraLinearLayer layer;

    /**
     * @param basePath where the frozen base weights come from ({@code model.from}), or null for a fresh
     *                 initialisation from the run's seed
     */
    public LoraTrainer(LoraTrainerConfig cfg, long seed, String basePath) {
        this.cfg = cfg;
        this.seed = seed;
        this.basePath = basePath;
    }

    @Override
    public String type() {
        return LoraTrainerConfig.TYPE;
    }

    @Override
    public LinearLayer linearLayer() {
        layer = new LoraLinearLayer(cfg, seed);
        return layer;
    }

    @Override
    public List<String> trainableParameters(TrainableModel model) {
        List<String> names = layer.adapters().stream().flatMap(a -> java.util.stream.Stream.of(a.a(), a.b())).toList();
        if (names.isEmpty()) {
            throw new UsageException("trainer.targets " + cfg.targets() + " matched no projection");
        }
        return names;
    }

    @Override
    public void addPlaceholders(long step, int micro, boolean training, Map<String, INDArray> ph) {
        if (cfg.dropout() == 0) {
            return;
        }
        INDArray ids = ph.get(TransformerModel.INPUT_IDS);
        int n = (int) ids.length();
        double keep = 1 - cfg.dropout();
        // a stream per (step, micro-batch): resumed runs draw the same masks
        SplittableRandom rng = new SplittableRandom(seed * 1_000_003L + step * 64 + micro);
        for (LoraLinearLayer.Adapter a : layer.adapters()) {
            float[] m = new float[n * a.in()];
            if (training) {
                for (int i = 0; i < m.length; i++) {
                    m[i] = rng.nextDouble() < keep ? (float) (1 / keep) : 0f;
                }
            } else {
                java.util.Arrays.fill(m, 1f);
            }
            DataType dt = ids.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
            ph.put(a.mask(), Nd4j.create(m, new long[]{n, a.in()}, 'c').castTo(dt));
        }
    }

    /** Placeholders for an inference pass through the adapted (unmerged) model: no dropout. */
    public void addInferencePlaceholders(Map<String, INDArray> ph) {
        addPlaceholders(0, 0, false, ph);
    }

    @Override
    public TrainableModel trainable(TransformerModel model) {
        model.setExtraInputs(this::addInferencePlaceholders); // forward passes outside the loop (probes, samples)
        return model;
    }

    @Override
    public Map<String, INDArray> checkpointTensors(TransformerModel model) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : trainableParameters(model)) {
            out.put(name, model.graph().getVariable(name).getArr());
        }
        return out;
    }

    @Override
    public Map<String, String> checkpointMetadata(TransformerModel model) {
        Map<String, String> meta = new LinkedHashMap<>(ModelIO.metadata(model.config()));
        try {
            Map<String, Object> adapter = new LinkedHashMap<>();
            adapter.put("type", "lora");
            adapter.put("rank", cfg.rank());
            adapter.put("alpha", cfg.alpha());
            adapter.put("targets", cfg.targets());
            adapter.put("base", basePath);
            adapter.put("seed", seed);
            meta.put(ADAPTER_KEY, Json.write(adapter));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        return meta;
    }

    @Override
    public TransformerModel resume(TransformerModel model, Checkpoint cp) {
        for (Map.Entry<String, INDArray> e : cp.parameters().entrySet()) {
            var v = model.graph().getVariable(e.getKey());
            if (v == null || !trainableParameters(model).contains(e.getKey())) {
                throw new IllegalArgumentException(cp.directory() + ": tensor '" + e.getKey()
                        + "' is not an adapter of this LoRA configuration");
            }
            v.getArr().assign(e.getValue());
        }
        return model;
    }

    @Override
    public TransformerModel finalModel(TransformerModel adapted) {
        return merge(adapted, cfg.scale(), layer.adapters().stream().map(LoraLinearLayer.Adapter::module).toList());
    }

    /**
     * Merges an adapter-only checkpoint into a dense model. The base comes from {@code baseOverride}, else from
     * the path recorded at training time, else (a run that trained adapters on a fresh initialisation) from the
     * recorded seed.
     */
    public static TransformerModel mergeCheckpoint(Path adapterPath, Path baseOverride) throws IOException {
        Checkpoint cp = CheckpointManager.read(ModelIO.resolve(adapterPath));
        String json = cp.metadata().get(ADAPTER_KEY);
        if (json == null) {
            throw new IOException(cp.directory() + " is not a LoRA adapter checkpoint (no '" + ADAPTER_KEY
                    + "' metadata)");
        }
        Map<?, ?> settings = Json.mapper().readValue(json, Map.class);
        @SuppressWarnings("unchecked")
        List<String> targets = (List<String>) settings.get("targets");
        LoraTrainerConfig cfg = new LoraTrainerConfig(((Number) settings.get("rank")).intValue(),
                ((Number) settings.get("alpha")).doubleValue(), 0.0, targets);
        long seed = ((Number) settings.get("seed")).longValue();
        Object recordedBase = settings.get("base");
        Path basePath = baseOverride != null ? baseOverride : recordedBase == null ? null : Path.of((String) recordedBase);
        LoraTrainer trainer = new LoraTrainer(cfg, seed, basePath == null ? null : basePath.toString());
        ModelConfig config = ModelIO.configOf(cp);
        TransformerModel adapted = TransformerModel.create(config, DataType.FLOAT, seed, trainer.linearLayer());
        if (basePath != null) {
            adapted.loadParameters(ModelIO.load(basePath).parameters(), basePath.toString());
        }
        trainer.resume(adapted, cp);
        return trainer.finalModel(adapted);
    }

    /**
     * A dense model equal to the adapted one: every target weight becomes {@code W + scale·B·A}.
     *
     * @param modules adapted module names, e.g. {@code model.layers.0.self_attn.q_proj}
     */
    public static TransformerModel merge(TransformerModel adapted, double scale, List<String> modules) {
        TransformerModel dense = TransformerModel.create(adapted.config(), adapted.dataType(), 0);
        Map<String, INDArray> weights = new LinkedHashMap<>(adapted.parameters());
        for (String m : modules) {
            INDArray a = adapted.graph().getVariable(m + ".lora_A.weight").getArr(); // [r, in]
            INDArray b = adapted.graph().getVariable(m + ".lora_B.weight").getArr(); // [out, r]
            weights.put(m + ".weight", weights.get(m + ".weight").add(b.mmul(a).muli(scale)));
        }
        dense.loadParameters(weights, "LoRA merge");
        return dense;
    }
}
