package dev.sinter.framework.data.shards;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sinter.framework.data.shards.DocumentReader.SourceFile;
import java.util.List;

/**
 * The {@code index.json} of a shard directory. The token stream is the shards' tokens in list order; its last
 * {@code validationTokens} tokens are the validation split, the rest the training split.
 *
 * @param formatVersion    {@value #FORMAT_VERSION}
 * @param dtype            {@value #UINT16} (vocabulary ≤ 65,536) or {@value #UINT32}, little-endian
 * @param vocabSize        the tokenizer's vocabulary size
 * @param tokenizer        the tokenizer's description
 * @param tokenizerSha256  {@link TokenizerFingerprint} of the tokenizer
 * @param shardTokens      tokens per shard; every shard but the last holds exactly this many
 * @param totalTokens      tokens in all shards
 * @param validationTokens tokens at the end of the stream held out for validation
 * @param documentRule     how files were cut into documents (each encoded with BOS)
 * @param shards           the shard files in stream order
 * @param sources          the source files in the order they were read
 */
public record ShardIndex(@JsonProperty("format_version") int formatVersion,
                         @JsonProperty("dtype") String dtype,
                         @JsonProperty("vocab_size") int vocabSize,
                         @JsonProperty("tokenizer") String tokenizer,
                         @JsonProperty("tokenizer_sha256") String tokenizerSha256,
                         @JsonProperty("shard_tokens") int shardTokens,
                         @JsonProperty("total_tokens") long totalTokens,
                         @JsonProperty("validation_tokens") long validationTokens,
                         @JsonProperty("document_rule") String documentRule,
                         @JsonProperty("shards") List<Shard> shards,
                         @JsonProperty("sources") List<SourceFile> sources) {
    public static final int FORMAT_VERSION = 1;
    public static final String UINT16 = "uint16";
    public static final String UINT32 = "uint32";
    /** The index file's name inside a shard directory. */
    public static final String FILE = "index.json";

    /** One shard file: its name inside the shard directory and its token count. */
    public record Shard(@JsonProperty("name") String name, @JsonProperty("tokens") long tokens) {
    }

    /** The dtype for a vocabulary: {@value #UINT16} when every id fits in 16 bits, else {@value #UINT32}. */
    public static String dtypeFor(int vocabSize) {
        return vocabSize <= 1 << 16 ? UINT16 : UINT32;
    }

    /** Bytes per token of {@code dtype}. */
    public static int bytesPerToken(String dtype) {
        return UINT16.equals(dtype) ? 2 : 4;
    }
}
