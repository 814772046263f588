package dev.sinter.distributed.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.eval.lm.LanguageModel.Loglikelihood;
import dev.sinter.eval.lm.LanguageModel.Request;
import dev.sinter.eval.lm.LanguageModel.Rolling;
import dev.sinter.eval.lm.Progress;
import dev.sinter.eval.lm.SinterLanguageModel;
import dev.sinter.eval.lm.SinterLanguageModel.TokenRequest;
import dev.sinter.framework.data.Llama2cTokenizer;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.testing.TestData;
import dev.sinter.models.llama2c.Llama2cCheckpoint;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Zero-shot tasks and perplexity scored on two worker threads equal one process bit for bit (stories260K). */
class ThreadBatchScorerTest {
    private static final Path MODEL = TestData.fixture("models/stories260K/stories260K.bin");
    private static TransformerModel model;
    private static Tokenizer tok;
    private static ThreadBatchScorer two;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws IOException {
        SameDiffRuntime.init();
        model = Llama2cCheckpoint.load(MODEL);
        tok = Llama2cTokenizer.load(TestData.fixture("models/stories260K/tok512.bin"));
        two = new ThreadBatchScorer(model, MODEL, 2); // worker 0 runs the model loaded here
    }

    @AfterAll
    static void close() {
        two.close();
    }

    @Test
    void loglikelihoodsAndRollingEqualOneProcessBitForBit() {
        List<Request> requests = new ArrayList<>();
        String[] contexts = {"Once upon a time, there was a", "The cat sat on the ", "", "Lily and Ben went to",
                "She said", "One day, a boy found a ball in the garden. He", "Tom"};
        String[] continuations = {" little girl.", "mat", "Hello world", " the park to play.", " \"yes\"", " smiled",
                " ran home to his mom and dad."};
        for (int i = 0; i < contexts.length; i++) {
            requests.add(new Request(contexts[i], continuations[i]));
        }
        SinterLanguageModel here = new SinterLanguageModel(model, tok, 3);
        SinterLanguageModel there = new SinterLanguageModel(model, tok, 3, two);
        List<Loglikelihood> a = here.loglikelihood(requests);
        List<Loglikelihood> b = there.loglikelihood(requests);
        assertEquals(a, b, "records compare the doubles bit for bit");

        // longer than max_seq_len (256 for stories260K): several windows each
        String story = String.join(" ", Collections.nCopies(120, "The dog ran to the park and played."));
        List<String> texts = List.of(story, "Once upon a time.", story.substring(0, 900));
        long[] advanced = new long[1];
        Progress counting = units -> advanced[0] += units; // called on the test's thread only
        // batch size 1: one window per batch, so both workers score windows of every text
        List<Rolling> ra = new SinterLanguageModel(model, tok, 1).loglikelihoodRolling(texts, Progress.NONE);
        List<Rolling> rb = new SinterLanguageModel(model, tok, 1, two).loglikelihoodRolling(texts, counting);
        assertEquals(ra, rb);
        assertTrue(ra.get(0).tokens() > model.config().maxSeqLen(), "the story spans several windows");
        assertEquals(ra.stream().mapToLong(r -> (r.tokens() + model.config().maxSeqLen() - 1)
                / model.config().maxSeqLen()).sum(), advanced[0], "progress counts every window once");
    }

    @Test
    void fewerBatchesThanWorkers() {
        int[] ctx = tok.encode("Once upon a time", true, false);
        int[] cont = tok.encode(" there was a cat", false, false);
        List<List<TokenRequest>> one = List.of(List.of(new TokenRequest(ctx, cont)));
        long[] advanced = new long[1];
        List<List<Loglikelihood>> scored = two.score(one, units -> advanced[0] += units);
        assertEquals(List.of(SinterLanguageModel.scoreBatch(model, one.get(0))), scored);
        assertEquals(1, advanced[0]);
        assertEquals(List.of(), two.score(List.of(), Progress.NONE));
        try (ThreadBatchScorer three = new ThreadBatchScorer(model, MODEL, 3)) {
            List<List<TokenRequest>> batches = List.of(one.get(0), List.of(new TokenRequest(ctx, ctx)));
            assertEquals(two.score(batches, Progress.NONE), three.score(batches, Progress.NONE));
        }
    }

    @Test
    void zeroShotTasksAndPerplexityGiveTheSameResults() throws IOException {
        ScorerEquality.zeroShotTasksAndPerplexityMatchOneProcess(tmp, model, tok, two);
    }

    @Test
    void refusesACopyThatDiffersFromTheModel() throws IOException {
        TransformerModel changed = Llama2cCheckpoint.load(MODEL);
        String name = changed.parameterNames().get(0);
        changed.graph().getArrForVarName(name).addi(1f);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ThreadBatchScorer(changed, MODEL, 2));
        assertTrue(e.getMessage().contains("differs from the model being evaluated in " + name), e.getMessage());
    }
}
