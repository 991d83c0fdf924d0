using System.Text.Json;
using FhirServer.Profiles.Validation;
using FhirServer.Storage;

namespace FhirServer.Validation;

/// <summary>
/// Keeps the validator's <see cref="ProfileSource"/> equal to the StructureDefinitions of the store, as
/// <c>StoredTerminology</c> does for the terminology sources: read once in the background at start-up (the first
/// validation waits for it), then told each committed write through <see cref="ICommitObserver"/>, REST interactions
/// and Bundle entries alike, so that a profile is used from the moment its create commits and no longer once deleted.
/// </summary>
public sealed class StoredProfiles(ResourceValidator validator, IResourceStore store, ILogger<StoredProfiles> logger) : ICommitObserver
{
    private const string Type = "StructureDefinition";

    private sealed record Entry(int Version, string? Url, byte[]? Body);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _byId = new(StringComparer.Ordinal);
    private volatile Task _loaded = Task.CompletedTask;

    public void Committed(IReadOnlyList<StoredVersion> versions)
    {
        foreach (var v in versions)
            if (v.Type == Type) Apply(v.Id, v.Version, v.Body);
    }

    /// <summary>Starts reading the stored StructureDefinitions; a failure is logged and leaves the packages' profiles alone.</summary>
    public void StartLoading(CancellationToken ct) => _loaded = Task.Run(async () =>
    {
        try
        {
            var count = 0;
            await foreach (var version in store.CurrentOfTypesAsync([Type], ct))
            {
                Apply(version.Id, version.Version, version.Body);
                count++;
            }
            if (count > 0) logger.LogInformation("Validation: {Count} StructureDefinitions read from the store", count);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Validation: the StructureDefinitions of the store could not be read");
        }
    }, ct).ContinueWith(_ => { }, TaskScheduler.Default);

    /// <summary>Waits for the first reading, the first time a validation needs the profiles.</summary>
    public void WaitLoaded()
    {
        if (!_loaded.IsCompleted) _loaded.GetAwaiter().GetResult();
    }

    // A version older than the one known is ignored: the first reading may see a version a later commit replaced.
    private void Apply(string id, int version, byte[]? body)
    {
        lock (_lock)
        {
            if (_byId.TryGetValue(id, out var known) && known.Version >= version) return;
            var url = body is null ? null : Url(body);
            _byId[id] = new Entry(version, url, body);
            if (known?.Url is { } old && old != url)
            {
                validator.Profiles.Remove(old);
                // Another stored definition with the same url takes its place.
                foreach (var other in _byId.Values.Where(e => e.Url == old && e.Body is not null)) Add(other.Body!, id);
            }
            if (body is not null && url is not null) Add(body, id);
        }
    }

    private void Add(byte[] body, string id)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var issues = validator.Profiles.Add(document.RootElement);
            if (issues.Count > 0)
                logger.LogWarning("Validation: StructureDefinition/{Id} cannot be used as a profile: {Issue}", id, issues[0].Message);
        }
        catch (Exception e)
        {
            // Told after the commit: the write stands whatever happens here.
            logger.LogWarning(e, "Validation: StructureDefinition/{Id} cannot be used as a profile", id);
        }
    }

    private static string? Url(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("url", out var url) && url.ValueKind == JsonValueKind.String ? url.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
