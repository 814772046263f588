package dev.sinter.encoders;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads the weights of a HF BERT exported to ONNX (torch.onnx, every weight an initializer) with the ONNX protobuf
 * classes. Embedding, LayerNorm and bias initializers carry HF names; the projection weights are anonymous
 * ({@code onnx::MatMul_787}, {@code [in, out]}) and are named through the graph: the MatMul that reads one feeds an
 * Add with the projection's HF-named bias ({@code encoder.layer.0.attention.self.query.bias} → {@code ….weight}).
 *
 * <p>The architecture is inferred from the tensor shapes (the head count, absent from the weights, is given). Every
 * expected tensor's name, dtype, shape and byte size is checked before any array is allocated; they are then
 * transposed to {@code [out, in]}.
 */
public final class OnnxBertImporter {
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;

    private OnnxBertImporter() {
    }

    /**
     * @param in      the ONNX model bytes (read to the end; not closed)
     * @param source  the file or resource name, for messages
     * @param nHeads  attention heads
     * @param eps     LayerNorm epsilon
     * @param pooling the pooled output of the encoder
     * @throws IOException if the bytes are not a readable ONNX model or lack a tensor of a BERT encoder
     */
    public static ImportedEncoder read(InputStream in, String source, int nHeads, double eps, Pooling pooling)
            throws IOException {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(source + ": not a readable ONNX model (" + e.getMessage() + "); the file is truncated"
                    + " or corrupted: re-download it, or check that it is the .onnx file itself", e);
        }
        GraphProto graph = model.getGraph();
        if (graph.getInitializerCount() == 0) {
            throw new IOException(source + ": ONNX model has no initializers (graph '" + graph.getName() + "', "
                    + graph.getNodeCount() + " nodes); expected a BERT export with its weights inside the file");
        }
        Map<String, TensorProto> byOnnxName = new LinkedHashMap<>();
        for (TensorProto t : graph.getInitializerList()) {
            byOnnxName.put(t.getName(), t);
        }
        Map<String, TensorProto> named = new LinkedHashMap<>(); // HF name → tensor
        Map<String, Boolean> transposed = new HashMap<>();
        byOnnxName.forEach((n, t) -> {
            if (!n.startsWith("onnx::")) {
                named.put(n, t);
            }
        });
        nameMatMulWeights(graph, byOnnxName, source, named, transposed);

        EncoderConfig cfg = inferConfig(named, source, nHeads, eps, pooling);
        Map<String, long[]> expected = expectedShapes(cfg);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            TensorProto t = named.get(e.getKey());
            if (t == null) {
                problems.add("missing tensor '" + e.getKey() + "' " + Arrays.toString(e.getValue()));
                continue;
            }
            long[] want = e.getValue();
            long[] onnxShape = transposed.getOrDefault(e.getKey(), false) ? new long[]{want[1], want[0]} : want;
            checkTensor(e.getKey(), t, onnxShape, problems);
        }
        for (Map.Entry<String, TensorProto> e : named.entrySet()) {
            if (!expected.containsKey(e.getKey()) && e.getValue().getDataType() == FLOAT) {
                problems.add("unexpected float tensor '" + e.getKey() + "' " + e.getValue().getDimsList());
            }
        }
        if (!problems.isEmpty()) {
            throw new IOException(source + ": not a BERT encoder of the inferred shape (" + cfg + "): "
                    + String.join("; ", problems.subList(0, Math.min(5, problems.size())))
                    + (problems.size() > 5 ? "; and " + (problems.size() - 5) + " more" : ""));
        }

        Map<String, INDArray> weights = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            TensorProto t = named.get(e.getKey());
            boolean tr = transposed.getOrDefault(e.getKey(), false);
            long[] onnxShape = tr ? new long[]{e.getValue()[1], e.getValue()[0]} : e.getValue();
            INDArray a = Nd4j.create(floats(t), onnxShape, 'c');
            weights.put(e.getKey(), tr ? a.transpose().dup('c') : a); // [in, out] → [out, in]
        }
        return new ImportedEncoder(cfg, weights, source);
    }

    /** Names each anonymous MatMul weight after the HF bias added to its product. */
    private static void nameMatMulWeights(GraphProto graph, Map<String, TensorProto> byOnnxName, String source,
                                          Map<String, TensorProto> named, Map<String, Boolean> transposed)
            throws IOException {
        Map<String, List<NodeProto>> consumers = new HashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            for (String input : n.getInputList()) {
                consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(n);
            }
        }
        for (NodeProto n : graph.getNodeList()) {
            if (!n.getOpType().equals("MatMul") || n.getInputCount() != 2 || !byOnnxName.containsKey(n.getInput(1))) {
                continue;
            }
            String bias = null;
            for (NodeProto c : consumers.getOrDefault(n.getOutput(0), List.of())) {
                if (c.getOpType().equals("Add")) {
                    for (String input : c.getInputList()) {
                        if (input.endsWith(".bias") && byOnnxName.containsKey(input)) {
                            bias = input;
                        }
                    }
                }
            }
            if (bias == null) {
                throw new IOException(source + ": MatMul node '" + n.getName() + "' reads weight '" + n.getInput(1)
                        + "' but no Add with an HF-named '.bias' initializer follows it; cannot tell which projection"
                        + " it is (expected a torch.onnx export of a HF BERT model)");
            }
            String weight = bias.substring(0, bias.length() - ".bias".length()) + ".weight";
            if (named.containsKey(weight)) {
                throw new IOException(source + ": two tensors map to '" + weight + "' (initializer '" + n.getInput(1)
                        + "' and another); the graph is not a plain BERT export");
            }
            named.put(weight, byOnnxName.get(n.getInput(1)));
            transposed.put(weight, true);
        }
    }

    private static EncoderConfig inferConfig(Map<String, TensorProto> named, String source, int nHeads, double eps,
                                             Pooling pooling) throws IOException {
        long[] word = dims(named, BertNames.WORD, source);
        long[] pos = dims(named, BertNames.POSITION, source);
        long[] types = dims(named, BertNames.TOKEN_TYPE, source);
        TreeSet<Integer> layers = new TreeSet<>();
        for (String n : named.keySet()) {
            if (n.startsWith("encoder.layer.")) {
                layers.add(BertNames.layerIndex(n));
            }
        }
        if (layers.isEmpty() || layers.first() != 0 || layers.last() != layers.size() - 1) {
            throw new IOException(source + ": encoder layers must be numbered 0..L-1, found " + layers);
        }
        long[] up = dims(named, BertNames.layer(0, BertNames.UP) + ".bias", source);
        if (word.length != 2 || pos.length != 2 || types.length != 2 || up.length != 1) {
            throw new IOException(source + ": embedding tables must be 2-D and biases 1-D, got word "
                    + Arrays.toString(word) + ", position " + Arrays.toString(pos) + ", token type "
                    + Arrays.toString(types) + ", intermediate bias " + Arrays.toString(up));
        }
        try {
            return new EncoderConfig(layers.size(), (int) word[1], nHeads, (int) up[0], (int) word[0], (int) pos[0],
                    (int) types[0], eps, pooling);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }

    private static long[] dims(Map<String, TensorProto> named, String name, String source) throws IOException {
        TensorProto t = named.get(name);
        if (t == null) {
            throw new IOException(source + ": no initializer '" + name + "'; expected a HF BERT export with named"
                    + " embeddings, LayerNorms and biases");
        }
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** Every tensor of an encoder without head, HF name → [out, in] shape, in graph order. */
    static Map<String, long[]> expectedShapes(EncoderConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long d = c.dim();
        m.put(BertNames.WORD, new long[]{c.vocabSize(), d});
        m.put(BertNames.POSITION, new long[]{c.maxPositions(), d});
        m.put(BertNames.TOKEN_TYPE, new long[]{c.typeVocabSize(), d});
        m.put(BertNames.EMBED_NORM + ".weight", new long[]{d});
        m.put(BertNames.EMBED_NORM + ".bias", new long[]{d});
        for (int i = 0; i < c.nLayers(); i++) {
            for (String p : List.of(BertNames.QUERY, BertNames.KEY, BertNames.VALUE, BertNames.ATTN_OUT)) {
                m.put(BertNames.layer(i, p) + ".weight", new long[]{d, d});
                m.put(BertNames.layer(i, p) + ".bias", new long[]{d});
            }
            m.put(BertNames.layer(i, BertNames.ATTN_NORM) + ".weight", new long[]{d});
            m.put(BertNames.layer(i, BertNames.ATTN_NORM) + ".bias", new long[]{d});
            m.put(BertNames.layer(i, BertNames.UP) + ".weight", new long[]{c.hiddenDim(), d});
            m.put(BertNames.layer(i, BertNames.UP) + ".bias", new long[]{c.hiddenDim()});
            m.put(BertNames.layer(i, BertNames.DOWN) + ".weight", new long[]{d, c.hiddenDim()});
            m.put(BertNames.layer(i, BertNames.DOWN) + ".bias", new long[]{d});
            m.put(BertNames.layer(i, BertNames.OUT_NORM) + ".weight", new long[]{d});
            m.put(BertNames.layer(i, BertNames.OUT_NORM) + ".bias", new long[]{d});
        }
        return m;
    }

    private static void checkTensor(String name, TensorProto t, long[] shape, List<String> problems) {
        long[] got = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        if (t.getDataType() != FLOAT) {
            problems.add("tensor '" + name + "' has ONNX data type " + t.getDataType() + ", expected FLOAT (1)");
        } else if (!Arrays.equals(got, shape)) {
            problems.add("tensor '" + name + "' has shape " + Arrays.toString(got) + ", expected "
                    + Arrays.toString(shape));
        } else if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            problems.add("tensor '" + name + "' is stored in an external data file, which is not supported");
        } else {
            long n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            long have = t.getRawData().isEmpty() ? t.getFloatDataCount() : t.getRawData().size() / 4;
            long bytes = t.getRawData().isEmpty() ? 4L * t.getFloatDataCount() : t.getRawData().size();
            if (have != n || bytes % 4 != 0) {
                problems.add("tensor '" + name + "' holds " + bytes + " bytes, expected " + 4 * n + " for shape "
                        + Arrays.toString(shape) + " (truncated file?)");
            }
        }
    }

    private static float[] floats(TensorProto t) {
        if (t.getRawData().isEmpty()) {
            float[] f = new float[t.getFloatDataCount()];
            for (int i = 0; i < f.length; i++) {
                f[i] = t.getFloatData(i);
            }
            return f;
        }
        ByteBuffer buf = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN); // ONNX raw_data: LE
        float[] f = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(f);
        return f;
    }
}
