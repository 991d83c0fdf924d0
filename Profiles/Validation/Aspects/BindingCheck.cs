using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;
using FhirServer.Terminology.Membership;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// One binding compiled (<see cref="BindingAspect"/>): per node, one membership lookup (a hashed set per value set
/// version, <see cref="IValueSetMembership"/>) on the happy path; a CodeableConcept stops at its first coding in the
/// value set. Messages are the HL7 validator's.
/// </summary>
internal sealed class BindingCheck(BindingStrength strength, string valueSet, string? maxValueSet) : IElementCheck
{
    /// <summary>An additional binding (R5 binding.additional): its value set is named so in the messages.</summary>
    public bool Additional { get; init; }

    public void Check(ElementNode node, ValidationState state)
    {
        if (state.Terminology is not { } tx) return;
        switch (node.Type)
        {
            case "code" or "string" or "uri":
                if (node.Value is { } code) CheckCode(node, code, tx, state);
                // Extensions alone (a data-absent-reason) give no code: the HL7 validator holds a required binding to it.
                else if (strength == BindingStrength.Required)
                    state.Report(IssueSeverity.Error, "code-invalid", $"No code provided, and a code is required from the value set {Describe(valueSet, state)}", node);
                break;
            case "Coding":
                CheckCoding(node, tx, state);
                break;
            case "CodeableConcept":
                CheckConcept(node, tx, state);
                break;
            default:
                if (BindingAspect.IsQuantity(node.Type)) CheckCoding(node, tx, state);
                break;
        }
    }

    // A code whose system the value set implies (R4 fhirpath memberOf: checked under every system of the value set).
    private void CheckCode(ElementNode node, string code, IValueSetMembership tx, ValidationState state)
    {
        switch (tx.IsMember(valueSet, code))
        {
            case Membership.Member:
                return;
            case Membership.NotMember:
                NotInValueSet(node, state,
                    $"The value provided ('{code}') was not found in the value set {Describe(valueSet, state)}, and a code is required from this value set{SystemNotDetermined(node, code, tx, state)}",
                    $"The value provided ('{code}') was not found in the value set {Describe(valueSet, state)}, and a code should come from this value set unless it has no suitable code (note that the validator cannot judge what is suitable)");
                break;
            default:
                state.Report(IssueSeverity.Warning, "not-found", tx.HasValueSet(valueSet)
                    ? $"The value provided ('{code}') could not be validated against the value set {Describe(valueSet, state)}: a code system it draws on is not available here"
                    : ValueSetNotFound(valueSet), node);
                return;
        }
        if (maxValueSet is not null && tx.IsMember(maxValueSet, code) == Membership.NotMember)
            state.Report(IssueSeverity.Error, "code-invalid",
                $"The value provided ('{code}') was not found in the maximum value set {Describe(maxValueSet, state)}, and a code from this value set is required", node);
    }

    // A bare code's system is the value set system that defines it (the HL7 validator's systemForCodeInValueSet); when
    // none does, a required binding reports that as an error of its own, and the reasons after the message.
    private string SystemNotDetermined(ElementNode node, string code, IValueSetMembership tx, ValidationState state)
    {
        if (strength != BindingStrength.Required) return "";
        foreach (var system in tx.Systems(valueSet))
            if (tx.IsInCodeSystem(system, code) == Membership.Member) return "";
        var versioned = _versioned ??= Versioned(valueSet, state);
        var reason = $"The System URI could not be determined for the code '{code}' in the ValueSet '{versioned}'";
        state.Report(IssueSeverity.Error, "code-invalid", reason, node);
        return $"  (error message = {reason}; The provided code '#{code}' was not found in the value set '{versioned}')";
    }

    // A Coding, or a Quantity's system and code.
    private void CheckCoding(ElementNode node, IValueSetMembership tx, ValidationState state)
    {
        if (node.Child("code")?.Value is not { } code) return;
        var system = node.Child("system")?.Value;
        var version = node.Child("version")?.Value;
        switch (Member(tx, valueSet, system, code, version))
        {
            case Membership.Member:
                return;
            case Membership.NotMember:
                NotInValueSet(node, state,
                    $"The code provided ({system}#{code}) was not found in the value set {Describe(valueSet, state)}, and a code from this value set is required: " +
                    (system is not null && !tx.HasCodeSystem(system, version) ? $"A definition for CodeSystem '{system}' could not be found, so the code cannot be validated; " : "") +
                    $"The provided code '{system}#{code}' was not found in the value set '{valueSet}'",
                    $"The code provided ({system}#{code}) is not in the value set {Describe(valueSet, state)}, and a code should come from this value set unless it has no suitable code (the validator cannot judge what is suitable)");
                break;
            default:
                state.Report(IssueSeverity.Warning, "not-found", Unknown(tx, valueSet, system, code, version, state), node);
                return;
        }
        if (maxValueSet is not null && Member(tx, maxValueSet, system, code, version) == Membership.NotMember)
            state.Report(IssueSeverity.Error, "code-invalid",
                $"The code provided ({system}#{code}) was not found in the maximum value set {Describe(maxValueSet, state)}, and a code from this value set is required", node);
    }

    private void CheckConcept(ElementNode node, IValueSetMembership tx, ValidationState state)
    {
        var children = node.Children;
        var codings = 0;
        for (var i = 0; i < children.Count; i++)
            if (children[i].Name == "coding" && children[i].Child("code") is not null) codings++;
        if (codings == 0)
        {
            // Text alone: allowed by an extensible binding, not by a required one.
            if (strength == BindingStrength.Required)
                state.Report(IssueSeverity.Error, "code-invalid", $"No code provided, and a code is required from the value set {Describe(valueSet, state)}", node);
            return;
        }
        switch (AnyMember(children, tx, valueSet))
        {
            case Membership.Member:
                return;
            case Membership.NotMember:
                NotInValueSet(node, state,
                    $"None of the codings provided are in the value set {Describe(valueSet, state)}, and a coding from this value set is required) (codes = {Codes(children)})",
                    $"None of the codings provided are in the value set {Describe(valueSet, state)}, and a coding should come from this value set unless it has no suitable code (note that the validator cannot judge what is suitable) (codes = {Codes(children)})");
                break;
            default:
                ReportUnknown(children, tx, valueSet, node, state);
                return;
        }
        if (maxValueSet is not null && AnyMember(children, tx, maxValueSet) == Membership.NotMember)
            state.Report(IssueSeverity.Error, "code-invalid",
                $"None of the codings provided are in the maximum value set {Describe(maxValueSet, state)}, and a coding from this value set is required) (codes = {Codes(children)})", node);
    }

    // Required: an error; extensible: a warning (R4 terminologies.html#strength).
    private void NotInValueSet(ElementNode node, ValidationState state, string required, string extensible)
    {
        if (strength == BindingStrength.Required) state.Report(IssueSeverity.Error, "code-invalid", required, node);
        else state.Report(IssueSeverity.Warning, "code-invalid", extensible, node);
    }

    // Member as soon as one coding is; NotMember only when every coding is known not to be.
    private static Membership AnyMember(IReadOnlyList<ElementNode> children, IValueSetMembership tx, string valueSet)
    {
        var answer = Membership.NotMember;
        for (var i = 0; i < children.Count; i++)
        {
            var coding = children[i];
            if (coding.Name != "coding" || coding.Child("code")?.Value is not { } code) continue;
            switch (Member(tx, valueSet, coding.Child("system")?.Value, code, coding.Child("version")?.Value))
            {
                case Membership.Member: return Membership.Member;
                case Membership.Unknown: answer = Membership.Unknown; break;
            }
        }
        return answer;
    }

    // A code without a system has no meaning of its own (R4 datatypes.html#Coding): it is not a member of anything.
    private static Membership Member(IValueSetMembership tx, string valueSet, string? system, string code, string? version) =>
        system is null ? (tx.HasValueSet(valueSet) ? Membership.NotMember : Membership.Unknown) : tx.IsMember(valueSet, system, code, version);

    private void ReportUnknown(IReadOnlyList<ElementNode> children, IValueSetMembership tx, string valueSet, ElementNode node, ValidationState state)
    {
        for (var i = 0; i < children.Count; i++)
        {
            var coding = children[i];
            if (coding.Name != "coding" || coding.Child("code")?.Value is not { } code || coding.Child("system")?.Value is not { } system) continue;
            var version = coding.Child("version")?.Value;
            if (tx.IsMember(valueSet, system, code, version) == Membership.Unknown)
                state.Report(IssueSeverity.Warning, "not-found", Unknown(tx, valueSet, system, code, version, state), node);
        }
    }

    private string Unknown(IValueSetMembership tx, string valueSet, string? system, string code, string? version, ValidationState state)
    {
        if (!tx.HasValueSet(valueSet)) return ValueSetNotFound(valueSet);
        if (system is not null && !tx.HasCodeSystem(system, version))
            return $"A definition for CodeSystem '{system}'{(version is null ? "" : $" version '{version}'")} could not be found, so the code cannot be validated";
        return $"The code provided ({system}#{code}) could not be validated against the value set {Describe(valueSet, state)}: it cannot be expanded here";
    }

    private static string ValueSetNotFound(string valueSet) => $"ValueSet '{valueSet}' not found";

    private static string Codes(IReadOnlyList<ElementNode> children) => string.Join(", ", children
        .Where(c => c.Name == "coding" && c.Child("code") is not null)
        .Select(c => $"{c.Child("system")?.Value ?? "null"}#{c.Child("code")!.Value}"));

    // 'AdministrativeGender' (http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1): read from the value set's package
    // on the first failure, then kept by the check (two strings at most: the binding's value set and its maximum).
    private string Describe(string canonical, ValidationState state) => ReferenceEquals(canonical, valueSet)
        ? _label ??= Label(canonical, state) + (Additional ? " specified in an additional binding" : "")
        : _maxLabel ??= Label(canonical, state);

    private string? _label;
    private string? _maxLabel;
    private string? _versioned;

    private static string Label(string valueSet, ValidationState state)
    {
        var registry = state.Schemas.Registry;
        if (Entry(valueSet, state) is not { } entry) return $"'{valueSet}'";
        using var json = registry.ReadJson(entry);
        var root = json.RootElement;
        var label = Text(root, "title") ?? Text(root, "name") ?? valueSet;
        return $"'{label}' ({entry.Url}{(entry.Version is { } v ? "|" + v : "")})";
    }

    // url|version of the value set as the package gives it (the binding's canonical when it is not in a package).
    private static string Versioned(string valueSet, ValidationState state) =>
        Entry(valueSet, state) is { } entry ? entry.Url + (entry.Version is { } v ? "|" + v : "") : valueSet;

    private static CanonicalEntry? Entry(string valueSet, ValidationState state)
    {
        var registry = state.Schemas.Registry;
        var bar = valueSet.IndexOf('|');
        return (registry.Resolve(valueSet) ?? (bar < 0 ? null : registry.Resolve(valueSet[..bar]))) is { ResourceType: "ValueSet" } entry ? entry : null;
    }

    private static string? Text(System.Text.Json.JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null;
}
