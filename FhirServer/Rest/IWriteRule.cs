using FhirServer.Storage;

namespace FhirServer.Rest;

/// <summary>
/// A flow rule of the write path: told of every version <see cref="ResourceService"/> writes (a REST create, update or
/// patch, each Bundle entry alike), in the write's own transaction, after the version is stored. It may refuse the
/// write (a <see cref="Http.FhirException"/>: the transaction is rolled back, nothing of it stays) or write what follows
/// from it through <paramref name="service"/> in the same session, so a consequence commits with its cause or not at all.
/// </summary>
public interface IWriteRule
{
    Task AppliedAsync(ResourceService service, IStoreSession session, WriteResult written, CancellationToken ct);
}
