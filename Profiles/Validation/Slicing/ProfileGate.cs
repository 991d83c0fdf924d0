using System.Runtime.CompilerServices;
using FhirServer.Conformance.FhirPath.Slicing;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Slicing;

/// <summary>
/// The fixed[x] and pattern[x] a profile sets on its root and its root's children (List.code of an MHD Folder or SubmissionSet),
/// looked at before a profile discriminator validates a node against the whole profile: a node that does not hold
/// them cannot conform, and most candidates of a slicing by profile are turned away here at the cost of a comparison
/// instead of a validation. Compiled once per profile.
/// </summary>
internal sealed class ProfileGate
{
    private static readonly ConditionalWeakTable<ProfileSchema, ProfileGate> Gates = new();

    private readonly (string Name, ElementNode Value, bool Exact, bool Required)[] _values;

    private ProfileGate((string, ElementNode, bool, bool)[] values) => _values = values;

    public static ProfileGate For(ProfileSchema profile, ProfileSource source) =>
        Gates.GetValue(profile, p => Compile(p, new ValidatorSliceDefinitions(source)));

    private static ProfileGate Compile(ProfileSchema profile, ValidatorSliceDefinitions definitions)
    {
        var values = new List<(string, ElementNode, bool, bool)>();
        // A profile of a data type may fix the value itself (a string profile with fixedString): an empty name.
        if (definitions.ElementDefinition(profile.Root.Definition) is { } root)
        {
            if (root.Child("fixed") is { } fixedRoot) values.Add(("", fixedRoot, true, false));
            else if (root.Child("pattern") is { } patternRoot) values.Add(("", patternRoot, false, false));
        }
        foreach (var child in profile.Root.Children)
        {
            if (child.Definition.IsChoice || definitions.ElementDefinition(child.Definition) is not { } element) continue;
            if (element.Child("fixed") is { } fixedValue) values.Add((child.Name, fixedValue, true, child.Min > 0));
            else if (element.Child("pattern") is { } pattern) values.Add((child.Name, pattern, false, child.Min > 0));
        }
        return new ProfileGate([.. values]);
    }

    /// <summary>False when the node certainly does not conform (a value it lacks or contradicts); true when the profile must decide.</summary>
    public bool Admits(ElementNode node)
    {
        foreach (var (name, value, exact, required) in _values)
        {
            if (name.Length == 0)
            {
                if (!(exact ? FhirValueMatch.SameValue(node, value) : FhirValueMatch.ContainsPattern(node, value))) return false;
                continue;
            }
            var present = false;
            var children = node.Children;
            for (var i = 0; i < children.Count; i++)
            {
                var c = children[i];
                if (c.Name != name) continue;
                present = true;
                if (!(exact ? FhirValueMatch.SameValue(c, value) : FhirValueMatch.ContainsPattern(c, value))) return false;
            }
            if (required && !present) return false;
        }
        return true;
    }
}
