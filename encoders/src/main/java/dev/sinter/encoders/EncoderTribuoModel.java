package dev.sinter.encoders;

import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import com.oracle.labs.mlrg.olcut.util.Pair;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.Excuse;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.MutableFeatureMap;
import org.tribuo.datasource.ListDataSource;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import dev.sinter.trainers.TrainingRun;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.impl.TrainerProvenanceImpl;

/**
 * A fine-tuned encoder classifier as a Tribuo {@code Model<Label>}. An {@link Example} carries its text in the metadata
 * ({@link #TEXT}, and {@link #TEXT_PAIR} for pairs such as BoolQ's question and passage); its features are ignored.
 * Predictions hold class probabilities. Provenance: the dataset's provenance, a trainer provenance with the base model,
 * its Maven artifact and the fine-tuning method, and instance provenance with the tokenizer's maximum length.
 *
 * <p>The SameDiff graph is not Java-serialisable: {@link SavedClassifier} saves the weights, tokenizer and provenance
 * and restores the model with its provenance.
 */
public final class EncoderTribuoModel extends Model<Label> {
    private static final long serialVersionUID = 1L;
    /** Metadata key of the text. */
    public static final String TEXT = "text";
    /** Metadata key of the optional second text. */
    public static final String TEXT_PAIR = "text_pair";

    private final transient BertEncoder encoder;
    private final transient EncoderTokenizer tokenizer;
    private final List<String> classes;
    private final int maxLength;

    private EncoderTribuoModel(String name, ModelProvenance provenance, BertEncoder encoder, EncoderTokenizer tokenizer,
                               List<String> classes, int maxLength) {
        super(name, provenance, new ImmutableFeatureMap(new MutableFeatureMap()), outputInfo(classes), true);
        this.encoder = encoder;
        this.tokenizer = tokenizer;
        this.classes = List.copyOf(classes);
        this.maxLength = maxLength;
    }

    /**
     * Wraps a trained classifier.
     *
     * @param base     the pretrained encoder it started from
     * @param method   the fine-tuning method ({@code full}, {@code lora}, {@code smt})
     * @param settings the method's and training's settings, recorded in the trainer provenance
     * @param train    the training data as a Tribuo dataset (its provenance is recorded)
     */
    public static EncoderTribuoModel of(BertEncoder encoder, EncoderTokenizer tokenizer, List<String> classes,
                                        int maxLength, PretrainedEncoder base, String method,
                                        Map<String, String> settings, Dataset<Label> train) {
        return of(encoder, tokenizer, classes, maxLength, base.id(), base.mavenCoordinates(), method, settings, train);
    }

    /**
     * Wraps a trained classifier fine-tuned from any encoder.
     *
     * @param baseId       the encoder it started from (short name)
     * @param baseArtifact where that encoder's weights came from (Maven coordinates or a directory)
     */
    public static EncoderTribuoModel of(BertEncoder encoder, EncoderTokenizer tokenizer, List<String> classes,
                                        int maxLength, String baseId, String baseArtifact, String method,
                                        Map<String, String> settings, Dataset<Label> train) {
        if (encoder.numClasses() != classes.size()) {
            throw new IllegalArgumentException(classes.size() + " class names for a " + encoder.numClasses()
                    + "-class head");
        }
        Map<String, Provenance> trainer = new LinkedHashMap<>();
        trainer.put("class-name", new StringProvenance("class-name", TrainingRun.class.getName()));
        trainer.put("host-short-name", new StringProvenance("host-short-name", "Trainer"));
        trainer.put("train-invocation-count", new IntProvenance("train-invocation-count", 1));
        trainer.put("is-sequence", new com.oracle.labs.mlrg.olcut.provenance.primitives.BooleanProvenance(
                "is-sequence", false));
        trainer.put("tribuo-version", new StringProvenance("tribuo-version", org.tribuo.Tribuo.VERSION));
        trainer.put("base-model", new StringProvenance("base-model", baseId));
        trainer.put("base-artifact", new StringProvenance("base-artifact", baseArtifact));
        trainer.put("method", new StringProvenance("method", method));
        settings.forEach((k, v) -> trainer.put(k, new StringProvenance(k, v)));
        Map<String, Provenance> instance = new LinkedHashMap<>();
        instance.put("max-length", new IntProvenance("max-length", maxLength));
        instance.put("tokenizer", new StringProvenance("tokenizer", tokenizer.source()));
        ModelProvenance prov = new ModelProvenance(EncoderTribuoModel.class.getName(), OffsetDateTime.now(),
                train.getProvenance(), new TrainerProvenanceImpl(trainer), instance);
        return new EncoderTribuoModel(baseId + "-" + method, prov, encoder, tokenizer, classes, maxLength);
    }

    /** A saved classifier with its recorded provenance (see {@link SavedClassifier#load}). */
    static EncoderTribuoModel restore(String name, ModelProvenance provenance, BertEncoder encoder,
                                      EncoderTokenizer tokenizer, List<String> classes, int maxLength) {
        return new EncoderTribuoModel(name, provenance, encoder, tokenizer, classes, maxLength);
    }

    /** A Tribuo dataset of {@code items} (class names from {@code data}), its provenance named {@code description}. */
    public static MutableDataset<Label> dataset(TextClassificationData data, List<TextClassificationData.Item> items,
                                                String description) {
        LabelFactory f = new LabelFactory();
        List<Example<Label>> examples = items.stream().map(i -> example(i.first(), i.second(),
                new Label(data.classes().get(i.label())))).toList();
        return new MutableDataset<>(new ListDataSource<>(examples, f, new SimpleDataSourceProvenance(description, f)));
    }

    /** The fine-tuned encoder. */
    public BertEncoder encoder() {
        return encoder;
    }

    /** Class names, index = the head's output. */
    public List<String> classes() {
        return classes;
    }

    /** Word pieces per example. */
    public int maxLength() {
        return maxLength;
    }


    /** An example carrying {@code text} (and {@code pair}, may be null) with its gold label, for Tribuo datasets. */
    public static Example<Label> example(String text, String pair, Label gold) {
        // Tribuo datasets reject featureless examples: one constant feature, ignored by the model
        ArrayExample<Label> e = new ArrayExample<>(gold, new String[]{"bias"}, new double[]{1});
        e.setMetadataValue(TEXT, text);
        if (pair != null) {
            e.setMetadataValue(TEXT_PAIR, pair);
        }
        return e;
    }

    private static org.tribuo.ImmutableOutputInfo<Label> outputInfo(List<String> classes) {
        var info = new LabelFactory().generateInfo();
        classes.forEach(c -> info.observe(new Label(c)));
        return info.generateImmutableOutputInfo();
    }

    @Override
    public Prediction<Label> predict(Example<Label> example) {
        return predict(List.of(example)).get(0);
    }

    /** Batched prediction (one forward pass per 16 examples). */
    @Override
    public List<Prediction<Label>> predict(Iterable<Example<Label>> examples) {
        List<Example<Label>> list = new java.util.ArrayList<>();
        examples.forEach(list::add);
        List<String> a = list.stream().map(e -> text(e, TEXT)).toList();
        boolean pairs = list.stream().allMatch(e -> e.getMetadataValue(TEXT_PAIR).isPresent());
        EncodedBatch batch = pairs ? tokenizer.encodePairs(a, list.stream().map(e -> text(e, TEXT_PAIR)).toList(),
                maxLength) : tokenizer.encode(a, maxLength);
        INDArray probs = encoder.probabilities(batch, 16);
        List<Prediction<Label>> out = new java.util.ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Map<String, Label> scores = new LinkedHashMap<>();
            int best = 0;
            for (int c = 0; c < classes.size(); c++) {
                double p = probs.getDouble(i, c);
                scores.put(classes.get(c), new Label(classes.get(c), p));
                best = p > probs.getDouble(i, best) ? c : best;
            }
            out.add(new Prediction<>(scores.get(classes.get(best)), scores, 0, list.get(i), true));
        }
        return out;
    }

    private static String text(Example<Label> e, String key) {
        return e.getMetadataValue(key).map(Object::toString).orElseThrow(() -> new IllegalArgumentException(
                "example has no '" + key + "' metadata; build it with EncoderTribuoModel.example(text, pair, label)"));
    }

    @Override
    public Map<String, List<Pair<String, Double>>> getTopFeatures(int n) {
        return Map.of(); // the model reads text, not Tribuo features
    }

    @Override
    public Optional<Excuse<Label>> getExcuse(Example<Label> example) {
        return Optional.empty();
    }

    @Override
    protected Model<Label> copy(String newName, ModelProvenance newProvenance) {
        return new EncoderTribuoModel(newName, newProvenance, encoder, tokenizer, classes, maxLength);
    }
}
