package dev.sinter.framework.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import static java.util.Objects.requireNonNullElse;

/**
 * The {@code data.prepare:} section: how {@code sinter prepare} reads {@code data.train} into token shards.
 *
 * @param format        {@value #TEXT} (plain UTF-8 text, documents separated by blank lines), {@value #JSONL} (one
 *                      JSON object per line, the document in {@code jsonlField}) or {@value #PARQUET} (one document
 *                      per row, in the string column {@code parquetColumn}; read only by the Spark engine)
 * @param jsonlField    the string field holding a document's text in {@value #JSONL} files
 * @param shardTokens   tokens per shard file (the last shard may hold fewer), in [1, 2^29]
 * @param parquetColumn the string column holding a document's text in {@value #PARQUET} files
 */
public record PrepareConfig(String format, String jsonlField, int shardTokens, String parquetColumn) {
    public static final String TEXT = "text";
    public static final String JSONL = "jsonl";
    public static final String PARQUET = "parquet";
    /** Default tokens per shard: 16 Mi (32 MiB as uint16). */
    public static final int DEFAULT_SHARD_TOKENS = 1 << 24;
    /** Largest shard, so that a uint32 shard stays below 2 GiB and maps into one buffer. */
    public static final int MAX_SHARD_TOKENS = 1 << 29;
    /** The defaults: plain text, field {@code text}, {@link #DEFAULT_SHARD_TOKENS}. */
    public static final PrepareConfig DEFAULT = new PrepareConfig(TEXT, "text", DEFAULT_SHARD_TOKENS);

    public PrepareConfig {
        Checks.required("format", format);
        Checks.oneOf("format", format, TEXT, JSONL, PARQUET);
        Checks.required("jsonl_field", jsonlField);
        Checks.nonBlank("jsonl_field", jsonlField);
        Checks.required("parquet_column", parquetColumn);
        Checks.nonBlank("parquet_column", parquetColumn);
        if (shardTokens < 1 || shardTokens > MAX_SHARD_TOKENS) {
            throw new IllegalArgumentException("shard_tokens must be in [1, " + MAX_SHARD_TOKENS + "], got "
                    + shardTokens);
        }
    }

    /** Settings for text or jsonl sources: the Parquet column takes its default, {@code text}. */
    public PrepareConfig(String format, String jsonlField, int shardTokens) {
        this(format, jsonlField, shardTokens, "text");
    }

    /** Binds the YAML section; null arguments take their defaults. */
    @JsonCreator
    public static PrepareConfig of(@JsonProperty("format") String format,
                                   @JsonProperty("jsonl_field") String jsonlField,
                                   @JsonProperty("shard_tokens") Integer shardTokens,
                                   @JsonProperty("parquet_column") String parquetColumn) {
        return new PrepareConfig(requireNonNullElse(format, TEXT), requireNonNullElse(jsonlField, "text"),
                requireNonNullElse(shardTokens, DEFAULT_SHARD_TOKENS), requireNonNullElse(parquetColumn, "text"));
    }
}
