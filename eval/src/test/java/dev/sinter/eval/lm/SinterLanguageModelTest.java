package dev.sinter.eval.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.eval.lm.LanguageModel.Loglikelihood;
import dev.sinter.eval.lm.LanguageModel.Request;
import dev.sinter.eval.lm.SinterLanguageModel.TokenRequest;
import dev.sinter.eval.tasks.PerplexityTask;
import dev.sinter.eval.tasks.TaskResult;
import dev.sinter.framework.data.Llama2cTokenizer;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.testing.TestData;
import dev.sinter.models.llama2c.Llama2cCheckpoint;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** lm-eval semantics of {@link SinterLanguageModel} on the real stories260K model. */
class SinterLanguageModelTest {
    static TransformerModel model;
    static Tokenizer tok;

    @BeforeAll
    static void load() throws IOException {
        SameDiffRuntime.init();
        model = Llama2cCheckpoint.load(TestData.fixture("models/stories260K/stories260K.bin"));
        tok = Llama2cTokenizer.load(TestData.fixture("models/stories260K/tok512.bin"));
    }

    static List<Request> requests() {
        return List.of(new Request("Once upon a time, there was a little girl named", " Lily."),
                new Request("The cat sat on the ", "mat"),
                new Request("", "Hello world"),
                new Request("Tom and his mom went to the park. Tom saw a big dog. The dog was", " very friendly."),
                new Request("She said", " \"yes\""),
                new Request("One day, a boy found a ball", " in the garden and he was happy."),
                new Request("Lily", " smiled"));
    }

    @Test
    void trailingContextWhitespaceMovesToTheContinuation() {
        SinterLanguageModel lm = new SinterLanguageModel(model, tok, 4);
        TokenRequest a = lm.encode(new Request("The cat sat on the ", "mat"), new HashMap<>());
        TokenRequest b = lm.encode(new Request("The cat sat on the", " mat"), new HashMap<>());
        assertArrayEquals(a.context(), b.context());
        assertArrayEquals(a.continuation(), b.continuation());
        assertEquals(tok.bos(), a.context()[0]);
        int[] whole = tok.encode("The cat sat on the mat", false, false);
        assertEquals(whole.length + 1, a.context().length + a.continuation().length);
        TokenRequest empty = lm.encode(new Request("", "Hello"), new HashMap<>());
        assertArrayEquals(new int[]{tok.bos()}, empty.context());
        assertArrayEquals(tok.encode("Hello", false, false), empty.continuation());
    }

    @Test
    void resultsDoNotDependOnBatchSizeOrOrder() {
        List<Request> rs = requests();
        List<Loglikelihood> one = new SinterLanguageModel(model, tok, 1).loglikelihood(rs);
        List<Loglikelihood> three = new SinterLanguageModel(model, tok, 3).loglikelihood(rs);
        List<Integer> perm = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) {
            perm.add(i);
        }
        Collections.shuffle(perm, new Random(7));
        List<Loglikelihood> shuffled = new SinterLanguageModel(model, tok, 16)
                .loglikelihood(perm.stream().map(rs::get).toList());
        for (int i = 0; i < rs.size(); i++) {
            // float32: a different padded length changes the matmul/softmax summation order, by ~1e-6 per token
            double tol = 1e-5 * one.get(i).tokens();
            assertEquals(one.get(i).logprob(), three.get(i).logprob(), tol, "batch 3, request " + i);
            assertEquals(one.get(i).greedy(), three.get(i).greedy());
            Loglikelihood s = shuffled.get(perm.indexOf(i));
            assertEquals(one.get(i).logprob(), s.logprob(), tol, "shuffled, request " + i);
            assertEquals(one.get(i).tokens(), s.tokens());
            assertTrue(one.get(i).logprob() < 0);
        }
        // the model's own greedy story continues "Once upon a time, there was a little girl named" with " Lily."
        assertTrue(one.get(0).greedy(), "greedy check on the published greedy story");
    }

    @Test
    void rollingWindowsPredictEveryTokenOnceWithLmEvalContexts() {
        int[] tokens = new int[10];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = 100 + i;
        }
        List<TokenRequest> w = SinterLanguageModel.rollingWindows(tokens, 1, 4);
        assertEquals(3, w.size());
        assertArrayEquals(new int[]{1}, w.get(0).context());
        assertArrayEquals(new int[]{100, 101, 102, 103}, w.get(0).continuation());
        assertArrayEquals(new int[]{103}, w.get(1).context());
        assertArrayEquals(new int[]{104, 105, 106, 107}, w.get(1).continuation());
        assertArrayEquals(new int[]{105, 106, 107}, w.get(2).context(), "last window keeps max_len inputs");
        assertArrayEquals(new int[]{108, 109}, w.get(2).continuation());
    }

    @Test
    void rollingEqualsDirectScoringWhenTheTextFitsOneWindow() {
        SinterLanguageModel lm = new SinterLanguageModel(model, tok, 8);
        String text = "Once upon a time, there was a little girl named Lily. She loved to play outside.";
        LanguageModel.Rolling r = lm.loglikelihoodRolling(text);
        Loglikelihood direct = lm.loglikelihood(List.of(new Request("", text))).get(0);
        assertEquals(direct.logprob(), r.logprob(), 1e-6);
        assertEquals(tok.encode(text, false, false).length, r.tokens());
        // and a text longer than max_seq_len is split, scoring every token once
        String longText = (text + " ").repeat(40).strip();
        LanguageModel.Rolling lr = lm.loglikelihoodRolling(longText);
        assertEquals(tok.encode(longText, false, false).length, lr.tokens());
        assertTrue(lr.tokens() > model.config().maxSeqLen());
        // a continuation longer than max_seq_len is scored in chunks exactly like the rolling windows
        Loglikelihood chunked = lm.loglikelihood(List.of(new Request("", longText))).get(0);
        assertEquals(lr.logprob(), chunked.logprob(), 1e-5 * lr.tokens());
        assertEquals(lr.tokens(), chunked.tokens());
    }

    @Test
    void stories260kPerplexityOnTinyStoriesSampleIsNearItsValidationLoss() throws IOException {
        PerplexityTask t = new PerplexityTask("tinystories_sample",
                TestData.fixture("corpora/tinystories_sample.txt"), PerplexityTask.Split.ENDOFTEXT);
        TaskResult r = t.evaluate(new SinterLanguageModel(model, tok, 8), 0, Progress.NONE);
        double nll = r.metrics().get("mean_token_nll");
        assertEquals(1.2664, nll, 0.01, "stories260K published val loss is ~1.30 nats");
        assertEquals(Math.exp(nll), r.metrics().get("token_perplexity"), 1e-9);
        assertTrue(r.metrics().get("word_perplexity") > r.metrics().get("token_perplexity"));
    }
}
