using Microsoft.EntityFrameworkCore;

namespace FhirServer.Smart;

/// <summary>
/// OpenIddict's tables (applications, authorizations, scopes, tokens) through Entity Framework Core: in the server's
/// PostgreSQL database, or with SQLite in <c>smart.db</c> beside <c>fhir.db</c> (docs/authorization.md, "Stores").
/// </summary>
public sealed class SmartDbContext(DbContextOptions<SmartDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.UseOpenIddict();
    }
}
