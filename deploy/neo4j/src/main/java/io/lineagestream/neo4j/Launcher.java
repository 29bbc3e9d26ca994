package io.lineagestream.neo4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.server.CommunityBootstrapper;

/**
 * Runs Neo4j Community as a stand-alone local server: the DBMS, Bolt, and the HTTP server with
 * Neo4j Browser when {@code server.http.enabled} is true.
 *
 * <p>Neo4j publishes no server tarball on Maven Central, so lineage-stream's local infrastructure
 * starts the server's own bootstrapper ({@link CommunityBootstrapper}, what {@code neo4j console}
 * runs) over the jars Maven resolves, Neo4j Browser's among them.
 *
 * <p>Usage: {@code Launcher <home-dir> <neo4j.conf> <password-file>}. All settings (Bolt and HTTP
 * addresses, authentication, memory) come from the neo4j.conf file; the password file holds the
 * password the {@code neo4j} user must have, which is applied on every start through the system
 * database. A shutdown hook stops the server cleanly on SIGTERM/SIGINT.
 */
public final class Launcher {
    private static final String ADMIN_USER = "neo4j";

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: Launcher <home-dir> <neo4j.conf> <password-file>");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Path config = Path.of(args[1]).toAbsolutePath();
        String password = readPassword(Path.of(args[2]));

        log("starting Neo4j server, home " + home + ", config " + config);
        CommunityBootstrapper server = new CommunityBootstrapper();
        int status = server.start(home, config, Map.of(), false, true);
        if (status != 0) {
            log("Neo4j server did not start (status " + status + "), see the lines above");
            System.exit(status);
        }
        DatabaseManagementService dbms = server.getDatabaseManagementService();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log("shutdown requested, stopping the server");
            try {
                if (server.isRunning()) {
                    server.stop();
                }
                log("server stopped");
            } finally {
                stopped.countDown();
            }
        }, "neo4j-launcher-shutdown"));

        try {
            applyPassword(dbms.database("system"), password);
        } catch (RuntimeException e) {
            log("could not set the password of user " + ADMIN_USER + ": " + e);
            System.exit(1);
        }
        log("ready: authentication configured for user " + ADMIN_USER);
        stopped.await();
    }

    private static String readPassword(Path file) throws IOException {
        String password = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (password.length() < 8) {
            throw new IllegalArgumentException("password in " + file + " must have at least 8 characters");
        }
        return password;
    }

    /** Sets the admin password and clears the "change required" flag; a no-op when already set. */
    private static void applyPassword(GraphDatabaseService system, String password) {
        try {
            system.executeTransactionally(
                    "ALTER USER " + ADMIN_USER + " SET PLAINTEXT PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
            log("password of user " + ADMIN_USER + " set");
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("cannot be the same")) {
                log("password of user " + ADMIN_USER + " already set");
                return;
            }
            throw e;
        }
    }

    private static void log(String message) {
        System.out.println("[lineage-stream neo4j launcher] " + message);
        System.out.flush();
    }
}
