import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * Runs one OpenSearch node in this JVM from the jars Maven resolved: no OpenSearch distribution
 * can be downloaded on the machines the platform targets, only Maven Central is reachable.
 *
 * Usage: PlatformOpenSearch HOME CONFIG_DIR. Every setting comes from CONFIG_DIR/opensearch.yml,
 * which platform/opensearch/src renders; the runner's own defaults (three nodes, ports probed from
 * 9201) are never used.
 */
public final class PlatformOpenSearch {
    private PlatformOpenSearch() {
    }

    public static void main(final String[] args) throws InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: PlatformOpenSearch HOME CONFIG_DIR");
            System.exit(2);
        }
        final Path configFile = Path.of(args[1], "opensearch.yml");
        final OpenSearchRunner runner = new OpenSearchRunner();
        // The platform chooses the port (a free one in tests); a negative limit turns off the probing.
        runner.setMaxHttpPort(-1);
        runner.onBuild((index, settings) -> {
            try {
                settings.loadFromPath(configFile);
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
        });

        final CountDownLatch closed = new CountDownLatch(1);
        // SIGTERM runs this hook: closing the node flushes the translog, so a stop loses nothing.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (final IOException e) {
                System.err.println("closing OpenSearch failed: " + e.getMessage());
            } finally {
                closed.countDown();
            }
        }));
        try {
            runner.build("-basePath", args[0], "-confPath", args[1], "-numOfNode", "1");
        } catch (final RuntimeException e) {
            System.err.println("OpenSearch failed to start: " + e.getMessage());
            e.printStackTrace();
            Runtime.getRuntime().halt(1);
        }
        closed.await();
    }
}
