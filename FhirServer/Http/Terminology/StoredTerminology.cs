using FhirServer.Conformance.Context;
using FhirServer.Storage;
using FhirServer.Terminology.Sources;

namespace FhirServer.Http.Terminology;

/// <summary>
/// Keeps the terminology engine's <see cref="StoredResources"/> equal to the store: filled once in the background at
/// start-up (start-up does not wait for it; the first terminology request that needs it does), then told each
/// committed write of a CodeSystem, ValueSet or ConceptMap through the one hook every write passes
/// (<see cref="ICommitObserver"/>, REST interactions and Bundle entries alike). Writes by other server processes on
/// the same store are seen after a restart only.
/// </summary>
public sealed class StoredTerminology(StoredResources stored, IResourceStore store, ConformanceContext conformance, ILogger<StoredTerminology> logger)
    : ICommitObserver
{
    public void Committed(IReadOnlyList<StoredVersion> versions)
    {
        foreach (var v in versions)
            if (StoredResources.Types.Contains(v.Type))
                stored.Committed(v.Type, v.Id, v.Version, v.Body is null ? null : conformance.Json.Parse(v.Body).Resource);
    }

    /// <summary>Starts reading the stored terminology resources; a failure is logged and leaves the packages alone as sources.</summary>
    public void StartLoading(CancellationToken ct) => stored.Loading(Task.Run(async () =>
    {
        try
        {
            var count = 0;
            await foreach (var version in store.CurrentOfTypesAsync([.. StoredResources.Types], ct))
            {
                Committed([version]);
                count++;
            }
            logger.LogInformation("Terminology: {Count} CodeSystems, ValueSets and ConceptMaps read from the store", count);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Terminology: the CodeSystems, ValueSets and ConceptMaps of the store could not be read");
        }
    }, ct));
}
