using FhirServer.Smart;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FhirServer.Tests.Smart;

/// <summary><c>smart.db</c> in WAL mode, its connections with <c>synchronous=NORMAL</c> (docs/authorization.md, "Cost").</summary>
[TestFixture("sqlite")]
public class SmartDatabaseTests(string store) : SmartServerTests(store)
{
    [Test]
    public async Task The_token_store_is_in_wal_mode_with_normal_synchronous()
    {
        Assert.That(await AccessToken(), Is.Not.Empty);
        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SmartDbContext>();
        await db.Database.OpenConnectionAsync();
        Assert.That(await Pragma(db, "journal_mode"), Is.EqualTo("wal"));
        // 1: NORMAL (2, FULL, is SQLite's default).
        Assert.That(await Pragma(db, "synchronous"), Is.EqualTo(1L));
    }

    private static async Task<object?> Pragma(SmartDbContext db, string name)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA " + name;
        return await command.ExecuteScalarAsync();
    }
}
