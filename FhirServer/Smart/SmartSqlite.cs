using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FhirServer.Smart;

/// <summary>
/// <c>smart.db</c>'s durability settings: the file in WAL mode (set once, it stays with the file), so that readers do
/// not wait on a writer and a commit appends to the log instead of rewriting a rollback journal; each connection with
/// <c>synchronous=NORMAL</c>, which in WAL mode syncs at checkpoints rather than at every commit. A crash of the machine
/// (not of the process) may lose the last tokens issued; they are then refused, as if revoked, and the client asks
/// again. Without these, every token issued waited for two syncs of the disk (docs/authorization.md, "Cost").
/// </summary>
public sealed class SmartSqlite : DbConnectionInterceptor
{
    public const string FilePragmas = "PRAGMA journal_mode=WAL;";
    private const string ConnectionPragmas = "PRAGMA synchronous=NORMAL;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    // A pragma that touches no page: no I/O, a few microseconds on each open of a pooled connection.
    private static void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = ConnectionPragmas;
        command.ExecuteNonQuery();
    }
}
