package dev.sinter.trainers.lora;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.sinter.framework.checkpoint.Checkpoint;
import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.util.Json;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.models.ModelIO;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.family.FamilyModel;
import dev.sinter.models.family.Projection;
import dev.sinter.models.transformer.DecoderFamily;
import dev.sinter.models.transformer.LinearLayer;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.trainers.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * LoRA fine-tuning of any model family: adapters on the projections whose role is among {@code trainer.targets}
 * (the family's role map names the weights; in MoE layers gate/up/down reach every expert and the residual MLP), plus the model's head parameters (PEFT's {@code modules_to_save}, e.g. a
 * classifier); the base weights are frozen. Checkpoints hold only what trains (plus the base model's path and the
 * LoRA settings in their metadata); {@link #merge} folds the adapters into a dense model, {@code W + (alpha/r)·B·A}.
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

    /** Adapters on every projection in a target role: attention, dense MLPs, every MoE expert and the residual MLP. */
    @Override
    public LinearLayer linearLayer(List<Projection> projections) {
        List<Projection> targets = Projection.inRoles(projections, cfg.targets());
        if (cfg.dropout() > 0 && targets.stream().anyMatch(p -> p.site().equals(Projection.EXPERT))) {
            throw new UsageException("trainer.dropout must be 0 when LoRA targets MoE experts (trainer.targets "
                    + cfg.targets() + " reach them; expert adapters act in weight form, where no input dropout"
                    + " applies): set trainer.dropout=0");
        }
        layer = new LoraLinearLayer(cfg, seed, targets.stream().map(Projection::weight).collect(Collectors.toSet()));
        return layer;
    }

    /** The adapters, then the model's head parameters. */
    @Override
    public List<String> trainableParameters(TrainableModel model) {
        List<String> adapters = layer.adapters().stream().flatMap(a -> Stream.of(a.a(), a.b())).toList();
        if (adapters.isEmpty()) {
            throw new UsageException("trainer.targets " + cfg.targets() + " matched no projection of this model");
        }
        List<String> head = model instanceof FamilyModel f ? f.headParameters() : List.of();
        return Stream.concat(adapters.stream(), head.stream()).toList();
    }

    @Override
    public void addPlaceholders(long step, int micro, boolean training, Map<String, INDArray> ph) {
        if (cfg.dropout() == 0) {
            return;
        }
        int n = rows(ph);
        double keep = 1 - cfg.dropout();
        // a stream per (step, micro-batch): resumed runs draw the same masks
        SplittableRandom rng = new SplittableRandom(seed * 1_000_003L + step * 64 + micro);
        DataType dt = ph.values().stream().map(INDArray::dataType).anyMatch(t -> t == DataType.DOUBLE)
                ? DataType.DOUBLE : DataType.FLOAT;
        for (LoraLinearLayer.Adapter a : layer.adapters()) {
            if (a.mask() == null) {
                continue;
            }
            float[] m = new float[n * a.in()];
            if (training) {
                for (int i = 0; i < m.length; i++) {
                    m[i] = rng.nextDouble() < keep ? (float) (1 / keep) : 0f;
                }
            } else {
                java.util.Arrays.fill(m, 1f);
            }
            ph.put(a.mask(), Nd4j.create(m, new long[]{n, a.in()}, 'c').castTo(dt));
        }
    }

    /** N = B·T, the rows of the projections' input: the token ids' count (decoder and encoder alike). */
    private static int rows(Map<String, INDArray> ph) {
        return (int) ph.get(TransformerModel.INPUT_IDS).length();
    }

    /** Placeholders for an inference pass through the adapted (unmerged) model: no dropout. */
    public void addInferencePlaceholders(Map<String, INDArray> ph) {
        addPlaceholders(0, 0, false, ph);
    }

    @Override
    public TrainableModel trainable(FamilyModel model) {
        model.setExtraInputs(this::addInferencePlaceholders); // forward passes outside the loop (probes, samples)
        return model;
    }

    @Override
    public Map<String, INDArray> checkpointTensors(FamilyModel model) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : trainableParameters(model)) {
            out.put(name, model.graph().getVariable(name).getArr());
        }
        return out;
    }

    @Override
    public Map<String, String> checkpointMetadata(FamilyModel model) {
        Map<String, String> meta = new LinkedHashMap<>(model.metadata());
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
    public FamilyModel resume(FamilyModel model, Checkpoint cp) {
        List<String> trainable = trainableParameters(model);
        for (Map.Entry<String, INDArray> e : cp.parameters().entrySet()) {
            var v = model.graph().getVariable(e.getKey());
            if (v == null || !trainable.contains(e.getKey())) {
                throw new IllegalArgumentException(cp.directory() + ": tensor '" + e.getKey()
                        + "' is not an adapter of this LoRA configuration");
            }
            v.getArr().assign(e.getValue());
        }
        return model;
    }

    @Override
    public FamilyModel finalModel(FamilyModel adapted) {
        return merge(adapted, cfg.scale(), layer.adapters().stream().map(LoraLinearLayer.Adapter::module).toList());
    }

    /**
     * Merges a decoder's adapter-only checkpoint into a dense model. The base comes from {@code baseOverride}, else
     * from the path recorded at training time, else (a run that trained adapters on a fresh initialisation) from the
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
        TransformerModel adapted = TransformerModel.create(config, DataType.FLOAT, seed,
                trainer.linearLayer(DecoderFamily.projections(config)));
        if (basePath != null) {
            adapted.loadParameters(ModelIO.load(basePath).parameters(), basePath.toString());
        }
        trainer.resume(adapted, cp);
        return (TransformerModel) trainer.finalModel(adapted);
    }

    /**
     * A dense model equal to the adapted one: every target weight becomes {@code W + scale·B·A}.
     *
     * @param modules adapted module names, e.g. {@code model.layers.0.self_attn.q_proj}
     */
    public static FamilyModel merge(FamilyModel adapted, double scale, List<String> modules) {
        FamilyModel dense = adapted.rebuild(LinearLayer.DENSE);
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
