using System.Net;
using FhirServer.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirServer.Tests.Http;

/// <summary>
/// Reads run on reader connections the server keeps open (SqlDialect.RentReaderAsync). On PostgreSQL a kept connection
/// can be ended under it (a restart, <c>pg_terminate_backend</c>): the reads must still succeed, on new connections,
/// and so must the writes after them.
/// </summary>
public class ReaderPoolTests() : ServerTests("postgres")
{
    [Test]
    public async Task Reads_survive_the_end_of_the_kept_connections()
    {
        var created = await Client.PostAsync("/Patient", RestTests.Json("""{"resourceType":"Patient","gender":"female"}"""));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var location = created.Headers.Location!.ToString();
        var path = location[location.IndexOf("/Patient/", StringComparison.Ordinal)..];
        var current = path[..path.IndexOf("/_history", StringComparison.Ordinal)];
        // Several reads at once, so that several reader connections are kept.
        var first = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Client.GetAsync(current)));
        Assert.That(first.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));

        var dialect = Factory.Services.GetRequiredService<SqlResourceStore>().Dialect;
        await using (var connection = await dialect.OpenAsync(default))
        await using (var end = SqlResourceStore.Command(connection, null,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            Assert.That(Convert.ToInt64(await end.ExecuteScalarAsync()), Is.GreaterThan(0), "sessions ended");

        var after = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Client.GetAsync(current)).Append(Client.GetAsync(path)));
        var bodies = string.Join("\n", await Task.WhenAll(after.Select(r => r.Content.ReadAsStringAsync())));
        Assert.That(after.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK), bodies);
        var write = await Client.PutAsync(current, RestTests.Json($$"""{"resourceType":"Patient","id":"{{current.Split('/')[^1]}}","gender":"male"}"""));
        Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.OK), await write.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// The kept readers use generic plans (their reads by key would otherwise be planned at each execution, see
    /// PostgresDialect); the connections of searches keep PostgreSQL's default, under which plans follow the values.
    /// </summary>
    [Test]
    public async Task Kept_readers_use_generic_plans_and_other_connections_do_not()
    {
        var dialect = Factory.Services.GetRequiredService<SqlResourceStore>().Dialect;
        await using (var reader = await dialect.RentReaderAsync(default))
        await using (var show = SqlResourceStore.Command(reader.Connection, null, "SHOW plan_cache_mode"))
            Assert.That(await show.ExecuteScalarAsync(), Is.EqualTo("force_generic_plan"));
        await using var connection = await dialect.OpenAsync(default);
        await using var other = SqlResourceStore.Command(connection, null, "SHOW plan_cache_mode");
        Assert.That(await other.ExecuteScalarAsync(), Is.EqualTo("auto"));
    }
}
