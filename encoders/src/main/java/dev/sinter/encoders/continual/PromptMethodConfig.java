package dev.sinter.encoders.continual;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sinter.encoders.EncoderSource;
import dev.sinter.encoders.EncoderTokenizer;
import dev.sinter.encoders.TextClassificationData;
import java.io.IOException;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;

import static java.util.Objects.requireNonNullElse;

/**
 * The prompt methods on a frozen encoder: {@code sequential-prompt} (one shared prompt set, the lower bound of
 * prompt-based methods), {@code always-grow} (a new set per task, S-Prompts-like) and {@code lw2g} (learns whether to
 * grow, papers.md §4). Each task trains the prompts and the head with the run's {@code training:} schedule.
 */
public sealed interface PromptMethodConfig extends ContinualMethodConfig {
    /** The prompt sets' shape ({@code prompt:}; DualPrompt's defaults). */
    PromptConfig prompt();

    /**
     * Method {@code type: sequential-prompt}.
     *
     * @param prompt the prompt sets' shape
     */
    record SequentialPrompt(PromptConfig prompt) implements PromptMethodConfig {
        public static final String TYPE = "sequential-prompt";

        @JsonCreator
        public static SequentialPrompt of(@JsonProperty("prompt") PromptConfig prompt) {
            return new SequentialPrompt(requireNonNullElse(prompt, PromptConfig.defaults()));
        }

        @Override
        public String type() {
            return TYPE;
        }

        /** The learner of a run. */
        public static ContinualLearner create(SequentialPrompt m, ContinualConfig run, Path workDir) throws IOException {
            return PromptLearner.sequential(frozen(run), m.prompt(), run.training(), run.seed());
        }
    }

    /**
     * Method {@code type: always-grow}.
     *
     * @param prompt the prompt sets' shape
     */
    record AlwaysGrow(PromptConfig prompt) implements PromptMethodConfig {
        public static final String TYPE = "always-grow";

        @JsonCreator
        public static AlwaysGrow of(@JsonProperty("prompt") PromptConfig prompt) {
            return new AlwaysGrow(requireNonNullElse(prompt, PromptConfig.defaults()));
        }

        @Override
        public String type() {
            return TYPE;
        }

        /** The learner of a run. */
        public static ContinualLearner create(AlwaysGrow m, ContinualConfig run, Path workDir) throws IOException {
            return PromptLearner.alwaysGrow(frozen(run), m.prompt(), run.training(), run.seed());
        }
    }

    /**
     * Method {@code type: lw2g}.
     *
     * @param prompt the prompt sets' shape
     * @param lw2g   LW2G's thresholds (the authors' defaults)
     */
    record Lw2g(PromptConfig prompt, Lw2gConfig lw2g) implements PromptMethodConfig {
        public static final String TYPE = "lw2g";

        @JsonCreator
        public static Lw2g of(@JsonProperty("prompt") PromptConfig prompt, @JsonProperty("lw2g") Lw2gConfig lw2g) {
            return new Lw2g(requireNonNullElse(prompt, PromptConfig.defaults()),
                    requireNonNullElse(lw2g, Lw2gConfig.defaults()));
        }

        @Override
        public String type() {
            return TYPE;
        }

        /** The learner of a run. */
        public static ContinualLearner create(Lw2g m, ContinualConfig run, Path workDir) throws IOException {
            return new Lw2gLearner(frozen(run), m.prompt(), run.training(), m.lw2g(), run.seed());
        }
    }

    /**
     * The run's frozen encoder ({@code model.from: "encoder:…"}) with its word-piece tokenizer, items cut to
     * {@code continual.max_length}; the tokenizer stays open for the learner's lifetime (one per run).
     */
    private static FrozenEncoder frozen(ContinualConfig run) throws IOException {
        EncoderSource source = EncoderSource.of(run.model().reference());
        EncoderTokenizer tokenizer = source.tokenizer();
        int maxLength = run.continual().maxLength();
        return new FrozenEncoder(source.weights().config(), DataType.FLOAT, source.weights().weights(),
                items -> TextClassificationData.encode(tokenizer, items, maxLength));
    }
}
