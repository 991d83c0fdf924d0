using System.Text.Json.Nodes;
using FhirServer.Profiles.Validation;

namespace FhirServer.Profiles.Tests.Validation.Suite;

/// <summary>
/// One test case of the HL7 validator suite (suites/validator-r4/manifest-r4.json, its <c>documentation</c> field):
/// the file to validate, what to load first, and the HL7 Java validator's outcome for the base validation and, when
/// the case has a <c>profile</c> block, for the second validation against that profile.
/// </summary>
public sealed record SuiteCase(
    string Name,
    string File,
    string? Version,
    string? Module,
    JsonObject Json,
    IReadOnlyList<string> Supporting,
    IReadOnlyList<string> Packages,
    JsonNode? Java,
    SuiteProfileStep? Profile)
{
    public static SuiteCase Read(JsonObject json)
    {
        var profile = json["profile"] as JsonObject;
        return new SuiteCase(
            Name: (string)json["name"]!,
            File: (string)json["file"]!,
            Version: (string?)json["version"],
            Module: (string?)json["module"],
            Json: json,
            // `profiles` is an alias of `supporting` (the manifest's documentation); `supporting5` names files written
            // for R5 that the Java runner converts and loads whatever the version: those of the R4 cases are R4 already.
            Supporting: [.. Strings(json["supporting"]), .. Strings(json["profiles"]), .. Strings(json["supporting5"])],
            Packages: [.. Strings(json["packages"]), .. Strings(profile?["packages"])],
            Java: json["java"],
            Profile: profile is null ? null : new SuiteProfileStep(
                (string)profile["source"]!, [.. Strings(profile["supporting"])], profile["java"], profile["use-test"] is JsonValue v && !(bool)v));
    }

    /// <summary>Every file the case loads (supporting files of both steps and the profile), relative to the suite.</summary>
    public IEnumerable<string> LoadedFiles =>
        Profile is null ? Supporting : [.. Supporting, .. Profile.Supporting, Profile.Source];

    public bool Has(string option) => Json.ContainsKey(option);

    /// <summary>
    /// The options the case sets for the Java validator that ours has too, over <paramref name="defaults"/>:
    /// <c>validateContains</c> IGNORE (contained resources unchecked), <c>security-checks</c>, <c>noHtmlInMarkdown</c>
    /// (markdown with HTML an error, not a warning) and <c>for-publication</c> (HL7's publishing rules).
    /// </summary>
    public ValidatorOptions ValidatorOptions(ValidatorOptions defaults) => defaults with
    {
        ValidateContained = defaults.ValidateContained && (string?)(Json["validateContains"] as JsonValue) != "IGNORE",
        SecurityChecks = defaults.SecurityChecks || Flag("security-checks"),
        HtmlInMarkdown = Flag("noHtmlInMarkdown") ? HtmlInMarkdownCheck.Error : defaults.HtmlInMarkdown,
        ForPublication = defaults.ForPublication || Flag("for-publication"),
        AllowExampleUrls = defaults.AllowExampleUrls && !(Json["examples"] is JsonValue e && e.TryGetValue<bool>(out var examples) && !examples),
        AllowExperimentalContent = defaults.AllowExperimentalContent && !Flag("no-experimental-content"),
        BundleEntryProfiles = Json["bundle-param"] is JsonObject p
            ? [new BundleEntryProfile((string)p["rule"]!, (string)p["profile"]!)]
            : defaults.BundleEntryProfiles,
        AllowedExtensionDomains = ExtensionDomains() is { Count: > 0 } domains ? [.. defaults.AllowedExtensionDomains, .. domains] : defaults.AllowedExtensionDomains,
    };

    private List<string> ExtensionDomains() =>
        [.. Strings(Json["allowed-extension-domains"]), .. Json["allowed-extension-domain"] is JsonValue d ? [(string)d!] : Array.Empty<string>()];

    private bool Flag(string option) => Json[option] is JsonValue v && v.TryGetValue<bool>(out var on) && on;

    internal static IEnumerable<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(n => (string)n!) : [];
}

/// <summary>The <c>profile</c> block of a case: validate again against <see cref="Source"/> (a file of the suite).</summary>
public sealed record SuiteProfileStep(string Source, IReadOnlyList<string> Supporting, JsonNode? Java, bool Disabled);
