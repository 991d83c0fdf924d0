using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace FhirServer.Smart;

/// <summary>
/// Creates OpenIddict's tables on first start. <c>EnsureCreated</c> would do nothing on the PostgreSQL database,
/// which already holds the FHIR store's tables: the tables are created when OpenIddict's application table is missing.
/// </summary>
public static class SmartSchema
{
    public static async Task EnsureCreatedAsync(SmartDbContext context, CancellationToken ct)
    {
        var creator = (RelationalDatabaseCreator)context.GetService<IRelationalDatabaseCreator>();
        if (!await creator.ExistsAsync(ct)) await creator.CreateAsync(ct);
        if (!context.Database.IsNpgsql()) await context.Database.ExecuteSqlRawAsync(SmartSqlite.FilePragmas, ct);
        var table = context.Model.FindEntityType(typeof(OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication))!.GetTableName()!;
        var sql = context.Database.IsNpgsql()
            ? $"SELECT count(*) AS \"Value\" FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{table}'"
            : $"SELECT count(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = '{table}'";
        var found = await context.Database.SqlQueryRaw<long>(sql).SingleAsync(ct);
        if (found == 0) await creator.CreateTablesAsync(ct);
    }
}
