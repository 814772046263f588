package dev.sinter.trainers;

import dev.sinter.framework.config.DataConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.data.TextSource;
import dev.sinter.framework.data.TokenCorpus;
import dev.sinter.framework.data.TokenSequence;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.data.shards.ShardIndex;
import dev.sinter.framework.data.shards.ShardedTokens;
import dev.sinter.framework.data.shards.TokenizerFingerprint;
import dev.sinter.framework.util.Json;
import dev.sinter.framework.util.Provenance;
import dev.sinter.models.ModelIO;
import dev.sinter.models.family.FamilyModel;
import dev.sinter.models.transformer.DecoderFamily;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Language modelling on the {@code data:} section, the default task: a decoder trained on next-token prediction over
 * tokenized text (in memory or memory-mapped shards), sample generations at the end.
 */
final class LanguageModelTask implements TrainingTask {
    private final RunConfig config;
    private final Tokenizer tokenizer;
    private final Path tokenizerPath;
    private final TokenSequence[] splits; // [train, validation]
    private final Map<String, Object> facts = new LinkedHashMap<>();

    /** Reads and tokenizes (or memory-maps) the run's text. */
    LanguageModelTask(RunConfig config) throws IOException {
        this.config = config;
        DataConfig data = config.data();
        tokenizerPath = data.tokenizer().path() == null ? null : Path.of(data.tokenizer().path());
        tokenizer = data.tokenizer().load();
        splits = data.shards() == null ? tokenizeInMemory(data) : openShards(data);
        facts.put("tokenizer", tokenizer.describe());
    }

    @Override
    public Map<String, Object> provenance() {
        return facts;
    }

    /** The model to train: the method's projections, base weights from {@code model.from} or a seeded init. */
    @Override
    public FamilyModel buildModel(Trainer trainer) throws IOException {
        String from = config.model().from();
        TransformerModel model;
        if (from == null) {
            var architecture = trainer.architecture().orElseGet(config.model()::resolve);
            model = TransformerModel.create(architecture, DataType.FLOAT, config.seed(),
                    trainer.linearLayer(DecoderFamily.projections(architecture)));
            trainer.initialise(model);
        } else {
            TransformerModel base = ModelIO.load(Path.of(config.model().reference()));
            model = TransformerModel.create(base.config(), DataType.FLOAT, config.seed(),
                    trainer.linearLayer(DecoderFamily.projections(base.config())));
            model.loadParameters(base.parameters(), from);
        }
        checkCompatible(model);
        return model;
    }

    @Override
    public BatchSampler sampler() {
        DataConfig data = config.data();
        return new BatchSampler(requireWindow("train", splits[0], data.seqLen()), data.seqLen(), config.seed());
    }

    @Override
    public int[][] validationWindows() {
        DataConfig data = config.data();
        return BatchSampler.sequentialWindows(requireWindow("validation", splits[1], data.seqLen()), data.seqLen(),
                config.training().evalBatches() * config.training().microBatchSize());
    }

    @Override
    public Map<String, byte[]> runFiles() throws IOException {
        return ModelIO.tokenizerFiles(config.data().tokenizer().type(), tokenizerPath);
    }

    /**
     * Sample generations into {@code samples.txt} (prompt and continuation, one after the other) and
     * {@code samples.json} ({@code [{prompt, completion}]}, for the run report).
     */
    @Override
    public List<String> finish(FamilyModel result, Path runDir) throws IOException {
        List<String> samples = TrainingRun.samples((TransformerModel) result, tokenizer, config.samples());
        Files.write(runDir.resolve("samples.txt"), samples, StandardCharsets.UTF_8);
        List<Map<String, String>> json = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            String prompt = config.samples().prompts().get(i % config.samples().prompts().size());
            json.add(Map.of("prompt", prompt, "completion", samples.get(i).substring(prompt.length())));
        }
        Json.writePretty(runDir.resolve("samples.json"), json);
        return samples;
    }

    /** Token counts of the splits and the tokenizer. */
    @Override
    public String describe() {
        return splits[0].length() + " train / " + splits[1].length() + " validation tokens, tokenizer "
                + tokenizer.describe();
    }

    /** Reads and tokenizes {@code data.train} (and {@code data.validation}) in memory: {train, validation}. */
    private TokenSequence[] tokenizeInMemory(DataConfig data) throws IOException {
        String trainText = TextSource.read(data.train());
        String valText = data.validation() == null ? null : TextSource.read(data.validation());
        facts.put("train_data", data.train());
        facts.put("train_data_sha256", Provenance.sha256(trainText));
        if (valText != null) {
            facts.put("validation_data", data.validation());
            facts.put("validation_data_sha256", Provenance.sha256(valText));
        }
        TokenCorpus corpus = valText == null
                ? TokenCorpus.fromText(trainText, tokenizer, data.valFraction(), data.maxTokens())
                : TokenCorpus.fromTexts(trainText, valText, tokenizer, data.maxTokens());
        return new TokenSequence[] {TokenSequence.of(corpus.train()), TokenSequence.of(corpus.validation())};
    }

    /** Memory-maps the shards of {@code data.shards}, refusing another tokenizer's: {train, validation}. */
    private TokenSequence[] openShards(DataConfig data) throws IOException {
        Path dir = Path.of(data.shards());
        ShardedTokens shards = ShardedTokens.open(dir);
        shards.requireTokenizer(tokenizer.describe(), TokenizerFingerprint.of(data.tokenizer()));
        facts.put("shards", data.shards());
        facts.put("shards_index_sha256", Provenance.sha256(Files.readAllBytes(dir.resolve(ShardIndex.FILE))));
        return new TokenSequence[] {shards.train(), shards.validation()};
    }

    private static TokenSequence requireWindow(String split, TokenSequence tokens, int seqLen) {
        if (tokens.length() < seqLen + 1) {
            throw new UsageException("corpus " + split + " has " + tokens.length() + " tokens, too few for seq_len "
                    + seqLen + " (need at least " + (seqLen + 1) + ")");
        }
        return tokens;
    }

    private void checkCompatible(TransformerModel model) {
        if (tokenizer.vocabSize() > model.config().vocabSize()) {
            throw new UsageException("tokenizer " + tokenizer.describe() + " has " + tokenizer.vocabSize()
                    + " ids but the model's vocab_size is " + model.config().vocabSize()
                    + "; set model.vocab_size >= " + tokenizer.vocabSize());
        }
        if (config.data().seqLen() > model.config().maxSeqLen()) {
            throw new UsageException("data.seq_len " + config.data().seqLen() + " exceeds the model's max_seq_len "
                    + model.config().maxSeqLen());
        }
    }
}
