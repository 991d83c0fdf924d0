using FhirServer.Conformance.Model;
using FhirServer.Hosting;
using FhirServer.Profiles.Identifiers;
using FhirServer.Profiles.Validation;

namespace FhirServer;

/// <summary>What the server validates on each write (<see cref="ValidationSettings.OnWrite"/>).</summary>
public enum WriteValidation
{
    /// <summary>Nothing beyond what the parser checks (structure, primitive formats).</summary>
    Off,
    /// <summary>The base definition of the resource type: cardinalities, types, invariants; <c>meta.profile</c> is not looked at.</summary>
    Base,
    /// <summary>The base definition and the profiles the resource declares in <c>meta.profile</c>.</summary>
    Declared,
    /// <summary>
    /// As <see cref="Declared"/>, plus the profiles of <see cref="ValidationSettings.RequiredProfiles"/>; a profile the
    /// server does not know is an error (a resource cannot claim conformance to something that cannot be checked).
    /// </summary>
    Strict,
}

/// <summary>
/// The validator's settings (section <c>Validation</c> of the configuration, beside <see cref="ServerSettings"/>):
/// what each write is validated against, and how strict <c>$validate</c> and the writes are. Read by
/// <see cref="Read"/>, which refuses values that cannot work with a <see cref="ConfigurationException"/> naming the key.
/// </summary>
public sealed class ValidationSettings
{
    public const string Section = "Validation";

    /// <summary><c>Validation:OnWrite</c>: off, base, declared (default) or strict.</summary>
    public WriteValidation OnWrite { get; init; } = WriteValidation.Declared;

    /// <summary>
    /// <c>Validation:RequiredProfiles:&lt;type&gt;</c> = canonical(s), separated by commas: the profiles every instance of
    /// the type must meet, whatever it declares (strict mode only). <c>Bundle</c>'s apply to the batch and transaction
    /// Bundles posted to the base URL too (an IHE MHD provide-bundle profile for every transaction), not only to stored ones.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> RequiredProfiles { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// <c>Validation:UnknownProfile</c>: the severity of a declared or requested profile the server does not know
    /// (error, warning (default), information); strict writes make it an error.
    /// </summary>
    public IssueSeverity UnknownProfile { get; init; } = IssueSeverity.Warning;

    /// <summary><c>Validation:IdentifierRules:&lt;rule&gt;</c> = error (default), warning, information or off, by rule name (NIR, RPPS…).</summary>
    public IdentifierRuleOptions IdentifierRules { get; init; } = IdentifierRuleOptions.Default;

    /// <summary>
    /// The validator's switches beyond the profiles (<see cref="ValidatorOptions"/>; each key is one of its properties,
    /// README "Configuration"): <c>Validation:AnyExtensions</c>, <c>ExtensionDomains</c>, <c>ExampleUrls</c>,
    /// <c>ExperimentalContent</c>, <c>WrongDisplay</c>, <c>SecurityChecks</c>, <c>HtmlInMarkdown</c>, <c>BestPractice</c>,
    /// <c>VitalSigns</c>, <c>Contained</c>, <c>MaxIssues</c>. The same for writes and <c>$validate</c>.
    /// </summary>
    public ValidatorOptions Validator { get; init; } = ValidatorOptions.Default;

    /// <summary>Reads and checks the <c>Validation</c> section.</summary>
    public static ValidationSettings Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var onWrite = section["OnWrite"] is { Length: > 0 } mode
            ? Enum.TryParse<WriteValidation>(mode, ignoreCase: true, out var m) && !int.TryParse(mode, out _) ? m
                : throw new ConfigurationException($"{ServerSwitches.Describe("Validation:OnWrite")} is '{mode}': use off, base, declared or strict.")
            : WriteValidation.Declared;

        var required = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var type in section.GetSection("RequiredProfiles").GetChildren())
        {
            var values = List(type);
            if (values.Length > 0) required[type.Key] = values;
        }
        if (required.Count > 0 && onWrite != WriteValidation.Strict)
            throw new ConfigurationException(
                $"Validation:RequiredProfiles is set ({string.Join(", ", required.Keys)}) but Validation:OnWrite is '{onWrite.ToString().ToLowerInvariant()}': required profiles apply in strict mode only; set Validation:OnWrite to strict.");

        var unknown = section["UnknownProfile"] is { Length: > 0 } u ? Severity(u, "Validation:UnknownProfile", allowOff: false)!.Value : IssueSeverity.Warning;

        var rules = new IdentifierRuleOptions();
        var names = FrenchIdentifierRules.All.Select(r => r.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var rule in section.GetSection("IdentifierRules").GetChildren())
        {
            if (!names.Contains(rule.Key))
                throw new ConfigurationException($"Validation:IdentifierRules:{rule.Key}: no identifier rule has this name (rules: {string.Join(", ", names.Order())}).");
            if (Severity(rule.Value ?? "", $"Validation:IdentifierRules:{rule.Key}", allowOff: true) is { } severity) rules.Severities[rule.Key] = severity;
            else rules.Disabled.Add(rule.Key);
        }
        return new ValidationSettings { OnWrite = onWrite, RequiredProfiles = required, UnknownProfile = unknown, IdentifierRules = rules, Validator = ReadValidator(section) };
    }

    private static ValidatorOptions ReadValidator(IConfigurationSection section)
    {
        var defaults = ValidatorOptions.Default;
        var domains = List(section.GetSection("ExtensionDomains"));
        foreach (var domain in domains)
            if (!Uri.TryCreate(domain, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "urn"))
                throw new ConfigurationException($"Validation:ExtensionDomains: '{domain}' is not an absolute http(s) or urn prefix of extension urls.");
        var maxIssues = defaults.MaxIssues;
        if (section["MaxIssues"] is { Length: > 0 } max && (!int.TryParse(max, out maxIssues) || maxIssues < 1))
            throw new ConfigurationException($"Validation:MaxIssues is '{max}': use a whole number of issues, 1 or more.");
        return defaults with
        {
            AnyExtensionsAllowed = Flag(section, "AnyExtensions", defaults.AnyExtensionsAllowed),
            AllowedExtensionDomains = domains,
            AllowExampleUrls = Flag(section, "ExampleUrls", defaults.AllowExampleUrls),
            AllowExperimentalContent = Flag(section, "ExperimentalContent", defaults.AllowExperimentalContent),
            WrongDisplaySeverity = section["WrongDisplay"] is { Length: > 0 } wrong ? Severity(wrong, "Validation:WrongDisplay", allowOff: false)!.Value : defaults.WrongDisplaySeverity,
            SecurityChecks = Flag(section, "SecurityChecks", defaults.SecurityChecks),
            HtmlInMarkdown = section["HtmlInMarkdown"] is { Length: > 0 } html ? Severity(html, "Validation:HtmlInMarkdown", allowOff: true) switch
            {
                IssueSeverity.Error => HtmlInMarkdownCheck.Error,
                IssueSeverity.Warning => HtmlInMarkdownCheck.Warning,
                null => HtmlInMarkdownCheck.None,
                _ => throw new ConfigurationException($"Validation:HtmlInMarkdown is '{html}': use error, warning or off."),
            } : defaults.HtmlInMarkdown,
            BestPracticeInvariants = Flag(section, "BestPractice", defaults.BestPracticeInvariants),
            VitalSignsProfiles = Flag(section, "VitalSigns", defaults.VitalSignsProfiles),
            ValidateContained = Flag(section, "Contained", defaults.ValidateContained),
            MaxIssues = maxIssues,
        };
    }

    // A list setting: one value with commas (an environment variable, a switch) or a JSON array in appsettings.json.
    private static string[] List(IConfigurationSection setting) =>
        setting.Value is { } list ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [.. setting.GetChildren().Select(c => c.Value?.Trim()).OfType<string>().Where(v => v.Length > 0)];

    private static bool Flag(IConfigurationSection section, string key, bool defaultValue) => section[key] switch
    {
        null or "" => defaultValue,
        var v when bool.TryParse(v.Trim(), out var b) => b,
        var v => throw new ConfigurationException($"Validation:{key} is '{v}': use true or false."),
    };

    /// <summary>The profiles instances of <paramref name="type"/> must meet on write (strict mode).</summary>
    public IReadOnlyList<string> RequiredFor(string type) =>
        OnWrite == WriteValidation.Strict && RequiredProfiles.TryGetValue(type, out var profiles) ? profiles : [];

    // null: off.
    private static IssueSeverity? Severity(string value, string key, bool allowOff) => value.Trim().ToLowerInvariant() switch
    {
        "error" => IssueSeverity.Error,
        "warning" => IssueSeverity.Warning,
        "information" => IssueSeverity.Information,
        "off" when allowOff => null,
        _ => throw new ConfigurationException($"{key} is '{value}': use error, warning, information{(allowOff ? " or off" : "")}."),
    };
}
