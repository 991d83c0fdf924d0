using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace FhirServer.Http;

/// <summary>
/// What a failure of the database means for the client (<see cref="FhirErrors"/>): its status, the OperationOutcome
/// issue type (R4 valueset-issue-type.html) and a message that names the cause. <see cref="RetryAfterSeconds"/> is set
/// for a transient failure, one that the same request sent again soon may not meet (RFC 9110 §10.2.3).
/// </summary>
public sealed record DatabaseFailure(int Status, string Code, string Message, int? RetryAfterSeconds);

/// <summary>
/// Tells the database's failures apart: a deadlock, a serialization failure or a lock that did not come free is the
/// outcome of concurrent requests, and the same request sent again is likely to pass (503 with <c>Retry-After</c>); so
/// are a statement or connection that timed out and a database that cannot be reached or is restarting. A full disk is
/// 503 too, but without <c>Retry-After</c>: retrying will not help until someone frees space. Any other database error
/// (a statement refused, a constraint broken) is a fault of this server: null, and a 500 like any other.
/// </summary>
public static class DatabaseErrors
{
    /// <summary>
    /// The <c>Retry-After</c> of a transient failure: a deadlock or a conflict is over as soon as the other
    /// transaction ends (milliseconds); a restart of the database takes seconds.
    /// </summary>
    private const int SoonSeconds = 1;

    private const int RestartSeconds = 5;

    // A batch may have committed some entries before one failed: the message says what failed, not what was kept.
    private const string TryAgain = "try again";

    public static DatabaseFailure? Classify(Exception e) => e switch
    {
        PostgresException p => Postgres(p),
        SqliteException s => Sqlite(s),
        NpgsqlException n when n.InnerException is TimeoutException && n.Message.Contains("pool", StringComparison.OrdinalIgnoreCase) =>
            Transient("timeout", $"Every connection to the database was in use and none came free in time (the connection pool's timeout); {TryAgain}", SoonSeconds),
        NpgsqlException { InnerException: TimeoutException } or TimeoutException =>
            Transient("timeout", $"The database did not answer in time; {TryAgain}", SoonSeconds),
        NpgsqlException { InnerException: SocketException or IOException } or NpgsqlException { IsTransient: true } =>
            Transient("no-store", $"The connection to the database failed or was lost; {TryAgain}", RestartSeconds),
        _ => null,
    };

    // PostgreSQL's SQLSTATE codes (Appendix A of its manual): the class is the first two characters.
    private static DatabaseFailure? Postgres(PostgresException e) => e.SqlState switch
    {
        PostgresErrorCodes.DeadlockDetected => Transient("lock-error",
            $"The database ended this request in a deadlock with a concurrent one (PostgreSQL {e.SqlState}); {TryAgain}", SoonSeconds),
        PostgresErrorCodes.SerializationFailure => Transient("lock-error",
            $"This request conflicted with a concurrent transaction (serialization failure, PostgreSQL {e.SqlState}); {TryAgain}", SoonSeconds),
        PostgresErrorCodes.LockNotAvailable => Transient("lock-error",
            $"A lock this request needs is held by another transaction and did not come free in time (PostgreSQL {e.SqlState}); {TryAgain}", SoonSeconds),
        PostgresErrorCodes.QueryCanceled => Transient("timeout",
            $"The database stopped a statement of this request at its time limit (PostgreSQL {e.SqlState}); {TryAgain}", SoonSeconds),
        PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow => Transient("no-store",
            $"The database is shutting down or restarting (PostgreSQL {e.SqlState}); {TryAgain}", RestartSeconds),
        PostgresErrorCodes.TooManyConnections => Transient("no-store",
            $"The database has no connection left for this server (PostgreSQL {e.SqlState}); {TryAgain}", SoonSeconds),
        PostgresErrorCodes.DiskFull => Lasting($"The database's disk is full (PostgreSQL {e.SqlState})"),
        PostgresErrorCodes.OutOfMemory or PostgresErrorCodes.InsufficientResources => Transient("no-store",
            $"The database ran short of memory or resources (PostgreSQL {e.SqlState}); {TryAgain}", RestartSeconds),
        // Class 08: connection exceptions.
        _ when e.SqlState.StartsWith("08", StringComparison.Ordinal) => Transient("no-store",
            $"The connection to the database failed or was lost (PostgreSQL {e.SqlState}); {TryAgain}", RestartSeconds),
        _ => null,
    };

    // SQLite's primary result codes (sqlite.org/rescode.html); the extended code keeps the primary one in its low byte.
    private static DatabaseFailure? Sqlite(SqliteException e) => (e.SqliteErrorCode & 0xFF) switch
    {
        5 or 6 => Transient("lock-error",
            $"The database file stayed locked by another writer past the busy timeout (SQLite {((e.SqliteErrorCode & 0xFF) == 5 ? "SQLITE_BUSY" : "SQLITE_LOCKED")}); {TryAgain}", SoonSeconds),
        13 => Lasting("The database's disk is full (SQLite SQLITE_FULL)"),
        10 => Lasting("The database file could not be read or written (SQLite SQLITE_IOERR)"),
        _ => null,
    };

    private static DatabaseFailure Transient(string code, string message, int retryAfter) =>
        new(StatusCodes.Status503ServiceUnavailable, code, message, retryAfter);

    private static DatabaseFailure Lasting(string message) => new(StatusCodes.Status503ServiceUnavailable, "no-store", message, null);
}
