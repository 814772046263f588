package dev.sinter.bench;

import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.transformer.TransformerModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The CPU cost of one step's gradient exchange on the cluster path of {@code SparkStepGradients} (a non-local master),
 * against model size, for the on-paper scale-out estimate of issue 18. For each model it builds the dense model, takes
 * its trainable variables and times, per step and {@code workers} workers, what that path does with them: the driver
 * packs the values into flat float arrays and serializes them with Java serialization (Spark's default serializer;
 * broadcasts are not compressed), each worker deserializes them and sets its replica's arrays, packs and serializes
 * its gradient sums; the driver deserializes the workers' sums, turns them into arrays and adds them in worker order.
 * The network transfer itself is not here (no cluster): the bytes are printed so that it can be computed for any
 * bandwidth. Times are this thread's CPU time (the machine may be busy), medians over {@code --reps} repetitions. Prints one JSON line per model.
 *
 * <p>Usage: {@code ExchangeCostBenchmark [--models tiny,small,d256,d512,llama-110m] [--workers 2] [--reps 5]}; d256
 * is {@code small} with 4 heads and vocabulary 4096 (bench/compare.py's), d512 is 8 layers of d 512 with vocabulary
 * 32000 (a size between it and llama-110m).
 */
public final class ExchangeCostBenchmark {
    public static void main(String[] args) throws IOException, ClassNotFoundException {
        BenchArgs a = new BenchArgs(args);
        List<String> models = List.of(a.str("--models", "tiny,small,d256,d512,llama-110m").split(","));
        int workers = a.num("--workers", 2);
        int reps = a.num("--reps", 5);
        SameDiffRuntime.init();
        for (String name : models) {
            TransformerModel model = TransformerModel.create(config(name), DataType.FLOAT, 1);
            List<INDArray> params = new ArrayList<>();
            for (SDVariable v : model.graph().variables()) {
                if (v.getVariableType() == VariableType.VARIABLE) {
                    params.add(v.getArr());
                }
            }
            System.out.println(measure(name, params, workers, reps));
        }
    }

    /** The cost of one step's exchange of {@code params}-shaped values and gradients, as a JSON line. */
    static String measure(String name, List<INDArray> params, int workers, int reps)
            throws IOException, ClassNotFoundException {
        long count = params.stream().mapToLong(INDArray::length).sum();
        List<INDArray> grads = params.stream().map(p -> Nd4j.rand(DataType.FLOAT, p.shape())).toList();
        double[] pack = new double[reps], ser = new double[reps], deser = new double[reps], set = new double[reps];
        double[] gradPack = new double[reps], gradSer = new double[reps], gradDeser = new double[reps];
        double[] add = new double[reps];
        long paramBytes = 0, gradBytes = 0;
        for (int r = 0; r < reps; r++) {
            long t0 = cpuNanos();
            float[][] values = flat(params); // driver: the trainable values
            long t1 = cpuNanos();
            byte[] sent = serialize(values);
            long t2 = cpuNanos();
            float[][] received = (float[][]) deserialize(sent); // each worker, in parallel: one worker's share
            long t3 = cpuNanos();
            for (int i = 0; i < params.size(); i++) {
                params.get(i).data().setData(received[i]);
            }
            long t4 = cpuNanos();
            float[][] sums = flat(grads); // each worker: its gradient sums
            long t5 = cpuNanos();
            byte[] result = serialize(sums);
            long t6 = cpuNanos();
            List<float[][]> results = new ArrayList<>();
            for (int w = 0; w < workers; w++) { // driver: every worker's result, one after the other
                results.add((float[][]) deserialize(result));
            }
            long t7 = cpuNanos();
            List<INDArray> total = new ArrayList<>();
            for (float[][] res : results) {
                for (int i = 0; i < res.length; i++) {
                    INDArray g = Nd4j.createFromArray(res[i]).reshape('c', grads.get(i).shape());
                    if (total.size() <= i) {
                        total.add(g);
                    } else {
                        total.get(i).addi(g);
                    }
                }
            }
            long t8 = cpuNanos();
            pack[r] = ms(t0, t1);
            ser[r] = ms(t1, t2);
            deser[r] = ms(t2, t3);
            set[r] = ms(t3, t4);
            gradPack[r] = ms(t4, t5);
            gradSer[r] = ms(t5, t6);
            gradDeser[r] = ms(t6, t7);
            add[r] = ms(t7, t8);
            paramBytes = sent.length;
            gradBytes = result.length;
        }
        double driver = median(pack) + median(ser) + median(gradDeser) + median(add);
        double worker = median(deser) + median(set) + median(gradPack) + median(gradSer);
        return String.format(Locale.ROOT, "{\"model\": \"%s\", \"params\": %d, \"tensors\": %d, \"workers\": %d,"
                        + " \"param_bytes\": %d, \"grad_bytes_per_worker\": %d, \"driver_pack_ms\": %.1f,"
                        + " \"driver_serialize_ms\": %.1f, \"worker_deserialize_ms\": %.1f, \"worker_set_ms\": %.1f,"
                        + " \"worker_grad_pack_ms\": %.1f, \"worker_grad_serialize_ms\": %.1f,"
                        + " \"driver_deserialize_all_ms\": %.1f, \"driver_add_all_ms\": %.1f,"
                        + " \"driver_cpu_ms\": %.1f, \"worker_cpu_ms\": %.1f, \"exchange_cpu_ms\": %.1f,"
                        + " \"load1\": %.2f}",
                name, count, params.size(), workers, paramBytes, gradBytes, median(pack), median(ser), median(deser),
                median(set), median(gradPack), median(gradSer), median(gradDeser), median(add), driver, worker,
                driver + worker, java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                        .getSystemLoadAverage());
    }

    /** The model of a size name: a preset, or bench's d256 and d512. */
    static ModelConfig config(String name) {
        return switch (name) {
            case "d256" -> ModelPreset.registry().get("small").config().toBuilder().nHeads(4).nKvHeads(4)
                    .vocabSize(4096).build();
            case "d512" -> ModelPreset.registry().get("small").config().toBuilder().dim(512).nLayers(8).nHeads(8)
                    .nKvHeads(8).hiddenDim(1376).vocabSize(32000).build();
            default -> ModelPreset.registry().get(name).config().toBuilder().moe(null).build();
        };
    }

    private static float[][] flat(List<INDArray> arrays) {
        float[][] out = new float[arrays.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = arrays.get(i).data().asFloat();
        }
        return out;
    }

    private static byte[] serialize(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }

    private static Object deserialize(byte[] b) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b))) {
            return in.readObject();
        }
    }

    /** This thread's CPU time: the machine may be busy with other work, which wall time would count. */
    private static long cpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static double ms(long from, long to) {
        return (to - from) / 1e6;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

}
