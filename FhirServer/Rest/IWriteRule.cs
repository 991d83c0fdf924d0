using FhirServer.Conformance.Model;
using FhirServer.Storage;

namespace FhirServer.Rest;

/// <summary>
/// A rule of a clinical flow that the write path applies to every version it stores (docs/french-flows.md): called by
/// <see cref="ResourceService"/> in the write transaction, right after the version was inserted, for a REST create,
/// update or patch and for each Bundle entry alike. A <see cref="FhirException"/> fails the write and rolls its
/// transaction back; what the rule writes through <paramref name="service"/> is part of the same transaction.
/// </summary>
public interface IWriteRule
{
    Task WrittenAsync(ResourceService service, IStoreSession session, WriteResult written, CancellationToken ct);
}

/// <summary>
/// A rule over a transaction Bundle as a whole (what no single entry shows: that its resources agree with each other),
/// called by the Bundle processor once every entry is checked and its references rewritten to <c>Type/id</c>. It
/// names the resources it will read in the transaction (<see cref="Reads"/>), locked with the Bundle's own before the
/// first write (<see cref="IStoreSession.LockResourcesAsync"/>), then checks in the transaction before the first write
/// (<see cref="CheckAsync"/>): a <see cref="FhirException"/> rejects the Bundle whole, with nothing written.
/// </summary>
public interface ITransactionRule
{
    IEnumerable<(string Type, string Id)> Reads(IReadOnlyList<TransactionEntry> entries);

    Task CheckAsync(IStoreSession session, IReadOnlyList<TransactionEntry> entries, CancellationToken ct);
}

/// <summary>One entry of a transaction as a <see cref="ITransactionRule"/> sees it: references already rewritten, ids assigned.</summary>
public sealed record TransactionEntry(int Index, string Method, string? Type, string? Id, ElementNode? Resource)
{
    public string Where => $"Bundle.entry[{Index}]";

    /// <summary>Whether the entry writes its resource (POST, PUT).</summary>
    public bool Writes => Resource is not null && Method is "POST" or "PUT";
}
