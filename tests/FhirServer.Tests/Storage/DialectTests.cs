using FhirServer.Storage;

namespace FhirServer.Tests.Storage;

/// <summary>What the dialects tell of themselves without a database.</summary>
public class DialectTests
{
    [Test]
    public async Task The_location_of_a_PostgreSQL_store_names_server_and_database_but_never_the_password()
    {
        await using var dialect = new PostgresDialect("Host=db.example;Port=5433;Database=fhir;Username=app;Password=s3cret-pw");
        Assert.That(dialect.Location, Is.EqualTo("db.example:5433/fhir"));
        Assert.That(dialect.Location, Does.Not.Contain("s3cret"));
    }

    [Test]
    public async Task The_location_of_a_SQLite_store_is_its_full_path()
    {
        var folder = Path.Combine(Path.GetTempPath(), "fhirserver-dialect-" + Guid.NewGuid().ToString("N"));
        try
        {
            var file = Path.Combine(folder, "sub", "fhir.db");
            await using var dialect = new SqliteDialect(file);
            Assert.That(dialect.Location, Is.EqualTo(Path.GetFullPath(file)));
        }
        finally
        {
            Support.TempFolder.Delete(folder);
        }
    }
}
