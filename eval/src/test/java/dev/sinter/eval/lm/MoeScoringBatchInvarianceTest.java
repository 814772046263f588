package dev.sinter.eval.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.eval.lm.LanguageModel.Loglikelihood;
import dev.sinter.eval.lm.SinterLanguageModel.TokenRequest;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.config.MoeConfig;
import dev.sinter.framework.data.ByteTokenizer;
import dev.sinter.models.moe.MoeNames;
import dev.sinter.models.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * MoE scoring through {@link SinterLanguageModel} (the {@code sinter eval} path) gives every token the same
 * log-likelihood at batch sizes 1, 7 and 16, although the router is uneven enough that a capacity would bind.
 */
class MoeScoringBatchInvarianceTest {
    /** Per token; float32 matmuls over differently shaped batches differ by ~1e-7. */
    static final double TOLERANCE = 1e-5;

    /** tiny-moe (top-1, RTS), a top-2 variant with router jitter, and tiny-prmoe (pyramid + residual). */
    static Stream<Arguments> models() {
        ModelConfig moe = ModelPreset.registry().get("tiny-moe").config();
        ModelConfig top2 = moe.withMoe(MoeConfig.builder(List.of(4)).moeEvery(2).topK(2).jitter(0.1).build());
        return Stream.of(Arguments.of("tiny-moe", moe), Arguments.of("top-2", top2),
                Arguments.of("tiny-prmoe", ModelPreset.registry().get("tiny-prmoe").config()));
    }

    /**
     * One request per scored token: the prefix of a random byte sequence as context and its next token as the
     * continuation, for sequences of 2 to 64 tokens, so batches mix short and long rows.
     */
    static List<TokenRequest> perTokenRequests() {
        Random rng = new Random(3);
        List<TokenRequest> out = new ArrayList<>();
        for (int length : new int[]{64, 2, 23, 9, 41, 5, 57, 16}) {
            int[] seq = rng.ints(length, 0, 256).toArray();
            seq[0] = ByteTokenizer.BOS;
            for (int k = 1; k < length; k += 1 + length / 4) {
                out.add(new TokenRequest(Arrays.copyOf(seq, k), new int[]{seq[k]}));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void perTokenLogLikelihoodsDoNotDependOnTheBatchSize(String name, ModelConfig cfg) {
        TransformerModel m = TransformerModel.create(cfg, DataType.FLOAT, 5);
        for (int i : cfg.moeLayers()) {
            m.graph().getVariable(MoeNames.router(i)).getArr().muli(20); // peaked gates: routing shows in the logits
        }
        List<TokenRequest> requests = perTokenRequests();
        List<Loglikelihood> one = new SinterLanguageModel(m, new ByteTokenizer(), 1).scoreTokens(requests,
                Progress.NONE);
        for (int batch : new int[]{7, 16}) {
            List<Loglikelihood> other = new SinterLanguageModel(m, new ByteTokenizer(), batch).scoreTokens(requests,
                    Progress.NONE);
            for (int r = 0; r < requests.size(); r++) {
                assertEquals(1, one.get(r).tokens());
                assertTrue(one.get(r).logprob() < 0);
                assertEquals(one.get(r).logprob(), other.get(r).logprob(), TOLERANCE, name + ", batch size " + batch
                        + ", request " + r + " (context of " + requests.get(r).context().length + " tokens)");
                assertEquals(one.get(r).greedy(), other.get(r).greedy(), name + ", request " + r);
            }
        }
    }
}
