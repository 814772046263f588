package dev.sinter.distributed.prepare;

import dev.sinter.framework.config.UsageException;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The source files of a prepare on any file system Hadoop reads ({@code file:}, {@code hdfs:}, {@code s3a:}, …), listed
 * as {@link dev.sinter.framework.data.shards.ShardWriter#sourceFiles} lists local ones: a file itself, or a directory's
 * regular files recursively, hidden ones (a relative path or file name starting with {@code .}) skipped, in the order
 * of their relative paths.
 */
final class SourceListing {
    /** One source file: its place in the stream, its URI and the name the index records. */
    record SourceRef(int index, String uri, String name) implements Serializable {
    }

    private SourceListing() {
    }

    static List<SourceRef> list(String source, Configuration hadoop) throws IOException {
        Path root = new Path(source);
        FileSystem fs = root.getFileSystem(hadoop);
        root = fs.makeQualified(root);
        if (!fs.exists(root)) {
            throw new UsageException("prepare source " + source + " not found; set data.train to a file or directory");
        }
        FileStatus status = fs.getFileStatus(root);
        if (status.isFile()) {
            return List.of(new SourceRef(0, root.toUri().toString(), root.getName()));
        }
        URI base = root.toUri();
        List<String[]> found = new ArrayList<>(); // {relative name, uri}
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
        while (files.hasNext()) {
            LocatedFileStatus f = files.next();
            if (!f.isFile()) {
                continue;
            }
            String relative = base.relativize(f.getPath().toUri()).getPath();
            if (relative.startsWith(".") || f.getPath().getName().startsWith(".")) {
                continue;
            }
            found.add(new String[] {relative, f.getPath().toUri().toString()});
        }
        if (found.isEmpty()) {
            throw new UsageException("prepare source directory " + source + " holds no files");
        }
        found.sort(Comparator.comparing(f -> f[0]));
        List<SourceRef> refs = new ArrayList<>();
        for (String[] f : found) {
            refs.add(new SourceRef(refs.size(), f[1], f[0]));
        }
        return refs;
    }
}
