namespace FhirServer.Conformance.Packages;

// One call of PackageResolver.ResolveAsync: breadth-first over dependencies, each package name loaded once. The
// first reference to a name wins, and the explicitly requested packages are all queued before any dependency, so a
// requested version always beats a version some dependency asks for.
internal sealed class ResolutionRun(PackageCache cache, IReadOnlyList<IPackageSource> sources, bool preferCachedVersions, bool deferTarballInstalls, CancellationToken ct)
{
    private readonly List<PendingInstall> _pending = [];
    private readonly List<PackageDiagnostic> _diagnostics = [];
    private readonly List<FhirPackage> _packages = [];
    private readonly Dictionary<string, Outcome> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(int Source, string Name), IReadOnlyList<string>> _versions = [];
    private readonly HashSet<int> _unavailable = [];

    private enum Status { Loaded, Missing, Failed }

    private sealed record Outcome(Status Status, FhirPackage? Package);

    public async Task<PackageResolution> RunAsync(IEnumerable<PackageReference> requested)
    {
        var queue = new Queue<(PackageReference Reference, FhirPackage? RequiredBy)>();
        foreach (var r in requested) queue.Enqueue((r, null));
        while (queue.TryDequeue(out var item))
        {
            ct.ThrowIfCancellationRequested();
            var (reference, requiredBy) = item;
            var origin = requiredBy is null ? "requested" : $"required by {requiredBy}";
            if (_byName.TryGetValue(reference.Name, out var known))
            {
                ReportRepeat(reference, origin, known);
                continue;
            }
            // Only the name needs checking here: versions are only ever used as listed by the cache or a source.
            if (!PackageFiles.IsSafeSegment(reference.Name))
            {
                _diagnostics.Add(PackageDiagnostic.Warning($"Package reference '{reference}' ({origin}) does not have a valid package name; it is ignored."));
                _byName[reference.Name] = new Outcome(Status.Failed, null);
                continue;
            }
            var outcome = await ResolveAsync(reference, origin);
            _byName[reference.Name] = outcome;
            if (outcome.Package is not { } package) continue;
            _packages.Add(package);
            foreach (var (name, version) in package.Dependencies) queue.Enqueue((new PackageReference(name, version), package));
        }
        return new PackageResolution(_packages, _diagnostics, cache, _pending);
    }

    private void ReportRepeat(PackageReference reference, string origin, Outcome known)
    {
        if (known.Status == Status.Missing)
            _diagnostics.Add(PackageDiagnostic.Warning($"Package {reference} ({origin}) was not found in the package cache or any package source.")
                with { MissingPackage = reference.ToString() });
        else if (known.Package is { } loaded && !Satisfies(reference.Version, loaded.Version))
            _diagnostics.Add(PackageDiagnostic.Information(
                $"Package {reference} ({origin}) is not loaded: {loaded} was resolved first and a package is loaded in one version only."));
    }

    private static bool Satisfies(string? wanted, string version) =>
        PackageVersionSelector.IsLatest(wanted) || PackageVersionSelector.Matches(wanted, version);

    private async Task<Outcome> ResolveAsync(PackageReference reference, string origin)
    {
        var name = reference.Name;
        var wanted = reference.Version?.Trim();
        string? chosen;
        if (!PackageVersionSelector.IsRange(wanted))
        {
            // Exact version: the cache, then each source in turn, stopping at the first that has it.
            if (TryOpenCached(name, wanted!, out var cached)) return cached;
            for (var i = 0; i < sources.Count; i++)
            {
                var listed = (await VersionsAsync(i, name)).FirstOrDefault(v => string.Equals(v, wanted, StringComparison.OrdinalIgnoreCase));
                if (listed is not null) return await FetchAsync(name, listed);
            }
            chosen = null;
        }
        else
        {
            chosen = preferCachedVersions ? PackageVersionSelector.SelectBest(wanted, cache.GetVersions(name)) : null;
            chosen ??= PackageVersionSelector.SelectBest(wanted, await AllVersionsAsync(name));
        }

        if (chosen is null)
        {
            chosen = PackageVersionSelector.SelectNearest(wanted, await AllVersionsAsync(name));
            if (chosen is null || PackageVersionSelector.IsLatest(wanted))
            {
                _diagnostics.Add(PackageDiagnostic.Warning($"Package {reference} ({origin}) was not found in the package cache or any package source.")
                with { MissingPackage = reference.ToString() });
                return new Outcome(Status.Missing, null);
            }
            _diagnostics.Add(PackageDiagnostic.Warning(
                $"Package {name}#{wanted} ({origin}) is not available; using {name}#{chosen}, the nearest version found."));
        }
        return await FetchAsync(name, chosen);
    }

    // Every version the cache and the sources offer; used for "latest", ranges and nearest-version fallback.
    private async Task<List<string>> AllVersionsAsync(string name)
    {
        var all = new HashSet<string>(cache.GetVersions(name), StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < sources.Count; i++) all.UnionWith(await VersionsAsync(i, name));
        return [.. all];
    }

    private async Task<Outcome> FetchAsync(string name, string version)
    {
        if (TryOpenCached(name, version, out var cached)) return cached;
        for (var i = 0; i < sources.Count; i++)
        {
            if (!(await VersionsAsync(i, name)).Contains(version, StringComparer.OrdinalIgnoreCase)) continue;
            var source = sources[i];
            try
            {
                if (deferTarballInstalls && source is TarballDirectorySource tarballs)
                {
                    if (tarballs.OpenWithoutInstalling(name, version, cache, ct) is not { } pending) continue;
                    _pending.Add(pending);
                    return new Outcome(Status.Loaded, pending.Package);
                }
                if (!await source.InstallAsync(name, version, cache, ct)) continue;
            }
            catch (Exception e) when (IsNetworkFailure(e))
            {
                _diagnostics.Add(PackageDiagnostic.Warning($"Could not download {name}#{version} from {source.Description}: {e.Message}"));
                continue;
            }
            catch (Exception e) when (!IsCancellation(e))
            {
                _diagnostics.Add(PackageDiagnostic.Error($"Could not install {name}#{version} from {source.Description}: {e.Message}"));
                continue;
            }
            if (TryOpenCached(name, version, out var installed)) return installed;
        }
        return new Outcome(Status.Failed, null);
    }

    private bool TryOpenCached(string name, string version, out Outcome outcome)
    {
        outcome = new Outcome(Status.Failed, null);
        try
        {
            if (cache.TryOpen(name, version) is not { } package) return false;
            outcome = new Outcome(Status.Loaded, package);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            _diagnostics.Add(PackageDiagnostic.Error($"The cached package {name}#{version} cannot be read: {e.Message}"));
        }
        return true;
    }

    private async Task<IReadOnlyList<string>> VersionsAsync(int source, string name)
    {
        if (_unavailable.Contains(source)) return [];
        if (_versions.TryGetValue((source, name), out var known)) return known;
        IReadOnlyList<string> versions;
        try
        {
            versions = await sources[source].GetVersionsAsync(name, ct);
        }
        catch (Exception e) when (!IsCancellation(e))
        {
            // One warning, then the source is left alone: an offline registry should not cost a timeout per package.
            _unavailable.Add(source);
            _diagnostics.Add(PackageDiagnostic.Warning(
                $"Package source {sources[source].Description} is unavailable and is skipped for the rest of this resolution: {e.Message}")
                with { UnavailableSource = sources[source].Description });
            return [];
        }
        _versions[(source, name)] = versions;
        return versions;
    }

    private bool IsCancellation(Exception e) => e is OperationCanceledException && ct.IsCancellationRequested;

    private bool IsNetworkFailure(Exception e) =>
        e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested);
}
