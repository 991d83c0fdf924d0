using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Packages;
using FhirServer.Profiles.Validation;
using FhirServer.Terminology;
using FhirServer.Terminology.Membership;
using FhirServer.Terminology.Sources;

namespace FhirServer.Profiles.Tests.Validation.Suite;

/// <summary>
/// A validator over one set of packages: R4 core, HL7 terminology and the extensions pack (what the Java validator
/// loads for R4), plus the packages a case names, with their dependencies. One per distinct package set, kept for
/// the run (and one validator per set of options the cases ask for, over the same definitions). A case's supporting StructureDefinitions go to <see cref="ResourceValidator.Profiles"/>, its ValueSets and
/// CodeSystems to <see cref="Stored"/> (the terminology sources the validator's bindings and memberOf() read), and
/// both are taken out again after the case.
/// </summary>
public sealed class SuiteEnvironment
{
    private static readonly string[] BasePackages = ["hl7.fhir.r4.core#4.0.1", "hl7.terminology.r4", "hl7.fhir.uv.extensions.r4"];

    private SuiteEnvironment(ConformanceContext context)
    {
        Context = context;
        var terminology = new ValueSetMembership(new TerminologySources(context, Stored), new TerminologyOptions());
        _terminology = terminology;
        // The Java test runner's settings: an extension must be known unless its domain is allowed, vital signs meet
        // their profiles.
        Validator = ResourceValidator.Create(context.Registry, terminology, new ValidatorOptions { AnyExtensionsAllowed = false, VitalSignsProfiles = true });
    }

    private readonly ValueSetMembership _terminology;
    private readonly Dictionary<string, ResourceValidator> _byOptions = new(StringComparer.Ordinal);

    public ConformanceContext Context { get; }
    public StoredResources Stored { get; } = new();
    /// <summary>The validator with the default options; its <see cref="ResourceValidator.Profiles"/> serve every validator here.</summary>
    public ResourceValidator Validator { get; }

    /// <summary>A validator with <paramref name="options"/> (a case's manifest options) over the same definitions and terminology.</summary>
    public ResourceValidator For(ValidatorOptions options)
    {
        if (options == Validator.Options) return Validator;
        // The record's list member compares by reference: the key spells it out.
        var key = $"{options with { BundleEntryProfiles = [], AllowedExtensionDomains = [] }} {string.Join(" ", options.BundleEntryProfiles)} {string.Join(" ", options.AllowedExtensionDomains)}";
        if (!_byOptions.TryGetValue(key, out var validator))
            _byOptions[key] = validator = new ResourceValidator(Validator.Schemas, options, _terminology);
        return validator;
    }

    /// <summary>
    /// Loads the base packages and <paramref name="packages"/>: <c>name#version</c> from ../shared/fhir-packages, or a
    /// path to a .tgz of the suite (its folder becomes a package source).
    /// </summary>
    public static SuiteEnvironment Load(IReadOnlyList<string> packages, string suiteFolder)
    {
        var folders = PackageSettings.FindSharedPackageFolders().ToList();
        var requested = new List<string>(BasePackages);
        foreach (var package in packages)
        {
            if (!package.EndsWith(".tgz", StringComparison.Ordinal))
            {
                requested.Add(package);
                continue;
            }
            var tarball = Path.Combine(suiteFolder, package);
            folders.Add(Path.GetDirectoryName(tarball)!);
            requested.Add(ReferenceOf(tarball));
        }
        var cache = Path.Combine(Path.GetTempPath(), "fhirserver-tests", "packages");
        var resolver = PackageResolver.CreateDefault(cache, folders.Distinct(), offline: true);
        var resolution = resolver.ResolveAsync(requested.Select(PackageReference.Parse)).GetAwaiter().GetResult();
        if (resolution.HasErrors)
            throw new InvalidOperationException($"Packages {string.Join(", ", requested)}: {string.Join("; ", resolution.Diagnostics)}");
        return new SuiteEnvironment(new ConformanceContext(resolution));
    }

    /// <summary>Whether a package a case names can be loaded here, without loading it.</summary>
    public static bool IsAvailable(string package, string suiteFolder)
    {
        if (package.EndsWith(".tgz", StringComparison.Ordinal)) return File.Exists(Path.Combine(suiteFolder, package));
        var reference = PackageReference.Parse(package);
        return PackageSettings.FindSharedPackageFolders().Any(folder => reference.Version is { } version
            ? File.Exists(Path.Combine(folder, $"{reference.Name}-{version}.tgz"))
            : Directory.EnumerateFiles(folder, $"{reference.Name}-*.tgz").Any());
    }

    // The suite names some tarballs "name#version.tgz", others by another name: package/package.json says.
    private static string ReferenceOf(string tarball)
    {
        using var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.Name != "package/package.json" || entry.DataStream is null) continue;
            using var manifest = JsonDocument.Parse(entry.DataStream);
            return $"{manifest.RootElement.GetProperty("name").GetString()}#{manifest.RootElement.GetProperty("version").GetString()}";
        }
        throw new InvalidOperationException($"{tarball} has no package/package.json");
    }
}
