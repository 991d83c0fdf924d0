using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Resources;
using FhirServer.Profiles.Validation.Schemas;
using FhirServer.Terminology.Membership;

namespace FhirServer.Profiles.Validation;

/// <summary>
/// Validates resources against the base definitions and profiles, on the parsed <see cref="ElementNode"/> tree:
/// each node against the compiled schema of the element it matches (its checks, its children's cardinality, its
/// type's definition and the profiles its type names), nested resources (contained, Bundle entries) against their
/// own. One instance serves every validation of a server or a command-line run; thread-safe.
/// </summary>
public sealed class ResourceValidator
{
    private readonly FhirPathContext _fhirPath;

    public ResourceValidator(SchemaCompiler schemas, ValidatorOptions? options = null, IValueSetMembership? terminology = null)
    {
        Schemas = schemas;
        Options = options ?? ValidatorOptions.Default;
        Terminology = terminology;
        _fhirPath = new FhirPathContext
        {
            Registry = schemas.Registry,
            MemberOf = terminology is null ? null : FhirPathMemberOf.For(terminology),
        };
    }

    /// <summary>A validator over the loaded packages with the standard aspects (<see cref="ValidationAspects.Default"/>).</summary>
    public static ResourceValidator Create(DefinitionRegistry registry, IValueSetMembership? terminology = null, ValidatorOptions? options = null) =>
        new(new SchemaCompiler(new ProfileSource(registry), ValidationAspects.Default, ValidationAspects.Slicing), options, terminology);

    public SchemaCompiler Schemas { get; }
    public ProfileSource Profiles => Schemas.Source;
    public ValidatorOptions Options { get; }
    public IValueSetMembership? Terminology { get; }

    /// <summary>
    /// Validates <paramref name="resource"/> against its base definition, the profiles it declares (when
    /// <see cref="ValidatorOptions.ApplyDeclaredProfiles"/>) and <paramref name="profiles"/>.
    /// </summary>
    /// <param name="resolver">Resolves references outside the resource (the server's store), for <c>resolve()</c> in invariants.</param>
    public ValidationReport Validate(ElementNode resource, IReadOnlyList<string>? profiles = null,
        Func<string, ElementNode?>? resolver = null, CancellationToken cancellation = default)
    {
        var context = resolver is null ? _fhirPath : new FhirPathContext
        {
            Registry = _fhirPath.Registry,
            MemberOf = _fhirPath.MemberOf,
            Resolver = resolver,
        };
        var state = new ValidationState(this, resource, context, cancellation);
        try
        {
            ValidateResource(resource, profiles ?? [], state);
            if (Options.IdentifierRules is { } rules)
                foreach (var issue in rules.Check(resource)) state.Add(issue);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever a definition or a resource holds, a validation answers with issues: a failure of the validator
            // itself ends this one with what was found so far and says so, without a stack trace.
            state.Report(IssueSeverity.Error, "exception",
                $"The validation could not be completed: {e.GetType().Name}: {e.Message}", resource);
        }
        return state.ToReport();
    }

    /// <summary>Validates a resource node (the root, a contained resource, a Bundle entry's) against its base and profiles.</summary>
    internal void ValidateResource(ElementNode resource, IEnumerable<string> requested, ValidationState state)
    {
        // Most resources declare no profile: nothing is allocated for them.
        List<ProfileSchema>? applied = null;
        HashSet<string>? seen = null;
        if (Options.ApplyDeclaredProfiles && resource.Child("meta") is { } meta)
            foreach (var p in meta.ChildrenNamed("profile"))
                if (p.Value is { Length: > 0 } canonical && (seen ??= new(StringComparer.Ordinal)).Add(canonical))
                    Apply(canonical, p, resource, ref applied, state);
        foreach (var canonical in requested)
            if ((seen ??= new(StringComparer.Ordinal)).Add(canonical)) Apply(canonical, resource, resource, ref applied, state);
        if (Options.VitalSignsProfiles && resource.Type == "Observation" && VitalSignsProfiles.For(resource) is { } vital &&
            (seen ??= new(StringComparer.Ordinal)).Add(vital) && !DerivesFrom(applied, vital))
            Apply(vital, resource, resource, ref applied, state);

        if (applied is null)
        {
            if (Schemas.ForType(resource.Type) is { } baseSchema) ValidateAgainst(resource, baseSchema, state);
            else state.Report(IssueSeverity.Error, "structure", $"Unknown resource type '{resource.Type}'.", resource);
            ValidationAspects.Resources.Check(resource, state);
            return;
        }
        // A profile's snapshot holds everything its base says, so a resource with profiles is checked against them
        // only; issues the base and a profile share are reported once anyway.
        foreach (var schema in applied) ValidateAgainst(resource, schema, state);
        ValidationAspects.Resources.Check(resource, state);
    }

    private void Apply(string canonical, ElementNode at, ElementNode resource, ref List<ProfileSchema>? applied, ValidationState state)
    {
        var schema = Schemas.ForCanonical(canonical);
        if (schema is null) ReportUnusable(canonical, at, state);
        else if (schema.Type != resource.Type && !IsAncestorType(schema.Type, resource.Type))
            state.Report(IssueSeverity.Error, "invalid",
                $"The profile '{canonical}' constrains {schema.Type}, not {resource.Type}.", at);
        else (applied ??= []).Add(schema);
    }

    /// <summary>A profile that is unknown (a warning by default: <see cref="ValidatorOptions.UnknownProfileSeverity"/>) or known but unusable (an error).</summary>
    private void ReportUnusable(string canonical, ElementNode at, ValidationState state)
    {
        if (Schemas.ProblemWith(canonical) is { } problem)
            state.Report(IssueSeverity.Error, "structure", $"The profile '{canonical}' cannot be used: {problem}", at);
        else
            state.Report(Options.UnknownProfileSeverity, "not-found",
                $"Profile reference '{canonical}' has not been checked because it is unknown.", at);
    }

    // Whether one of the profiles applied derives from the canonical (its snapshot holds that one's rules).
    private bool DerivesFrom(List<ProfileSchema>? applied, string canonical)
    {
        if (applied is null) return false;
        foreach (var schema in applied)
        {
            var info = schema.Info;
            for (var depth = 0; info.BaseDefinition is { } b && depth < Options.MaxProfileDepth; depth++)
            {
                if (b == canonical || b.StartsWith(canonical + "|", StringComparison.Ordinal)) return true;
                if (Profiles.Find(b) is not { } parent) break;
                info = parent.Info;
            }
        }
        return false;
    }

    // Resource and DomainResource profiles apply to every resource of a type derived from them.
    private bool IsAncestorType(string ancestor, string type)
    {
        for (var t = Schemas.Registry.GetTypeDefinition(type); t?.BaseDefinition is { } b;)
        {
            t = Schemas.Registry.GetStructureDefinition(b);
            if (t?.Type == ancestor) return true;
        }
        return false;
    }

    /// <summary>Validates a node against a whole definition (a profile, a type profile, an extension's definition): from its root.</summary>
    public void ValidateAgainst(ElementNode node, ProfileSchema schema, ValidationState state)
    {
        if (state.ProfileDepth >= Options.MaxProfileDepth)
        {
            state.Report(IssueSeverity.Error, "too-costly",
                $"Profiles nest more than {Options.MaxProfileDepth} deep here (ValidatorOptions.MaxProfileDepth): '{schema.Canonical}' is not checked; do definitions refer to each other in a circle?", node);
            return;
        }
        state.ProfileDepth++;
        try
        {
            RunChecks(node, schema.Root, state);
            ValidateChildren(node, schema.Root, state);
        }
        finally
        {
            state.ProfileDepth--;
        }
    }

    /// <summary>Validates a node against the element it matched: its checks, then its content.</summary>
    public void ValidateNode(ElementNode node, ElementSchema schema, ValidationState state)
    {
        state.Step();
        if (node is { IsResource: true, Name: "contained" } && !Options.ValidateContained) return;
        var type = node.IsResource ? null : TypeOf(node, schema);
        if (!node.IsResource && type is null && schema.Types.Count > 0 && node.Type is not ("BackboneElement" or "Element"))
        {
            // A value of a type the element does not allow is reported once: the element's other rules (a binding,
            // a pattern) are about the types it allows, as the HL7 validator stops there.
            state.Report(IssueSeverity.Error, "structure",
                $"The type '{node.Type}' is not allowed here: {schema.Path} allows {string.Join(", ", schema.Types.Select(t => t.Code))}.", node);
            return;
        }
        RunChecks(node, schema, state);
        if (node.IsResource)
        {
            // A contained resource, a Bundle entry's, a parameter's: checked as a resource of its own, and against the
            // profiles the element's type names (an MHD Bundle's DocumentReference entries).
            List<string>? requested = null;
            var types = schema.Types;
            for (var i = 0; i < types.Count; i++)
                if ((types[i].Code == node.Type || types[i].Code is "Resource" or "DomainResource") && types[i].Profiles.Count > 0)
                    (requested ??= []).AddRange(types[i].Profiles);
            if (Options.BundleEntryProfiles.Count > 0 && node is { Name: "resource", Parent: { Name: "entry" } entry })
                foreach (var rule in Options.BundleEntryProfiles)
                    if (rule.Applies(entry)) (requested ??= []).Add(rule.Profile);
            if (requested is { Count: > 1 } && types.Any(t => t.Profiles.Count > 1))
            {
                // Several profiles of the element's type: the resource conforms to at least one of them (R4
                // elementdefinition.html, type.profile), beside its base and its own meta.profile.
                ValidateResource(node, [], state);
                ValidateAlternatives(node, requested, state);
                return;
            }
            ValidateResource(node, requested ?? (IEnumerable<string>)[], state);
            return;
        }


        if (node.Type == "Extension") ValidateExtension(node, schema, state);
        else if (type is { Profiles.Count: > 0 }) ValidateTypeProfiles(node, type.Profiles, state);

        var dataType = IsDataType(node.Type) ? TypeSchemaOf(node, schema) : null;
        if (schema.HasChildren)
        {
            // The snapshot lists this element's children (a backbone element, or a type a profile constrains): they
            // are checked here, and the type's own invariants (those on its root) still apply.
            if (dataType is not null) RunChecks(node, dataType.Root, state);
            ValidateChildren(node, schema, state);
        }
        else if (dataType is not null)
        {
            RunChecks(node, dataType.Root, state);
            ValidateChildren(node, dataType.Root, state);
        }
    }

    // Nodes of one element nearly always have one type: its schema is kept on the element, saving a lookup per node.
    private ProfileSchema? TypeSchemaOf(ElementNode node, ElementSchema schema)
    {
        if (schema.LastTypeSchema is { } last && last.Type == node.Type) return last.Schema;
        var found = Schemas.ForType(node.Type);
        if (found is not null) schema.LastTypeSchema = new(node.Type, found);
        return found;
    }

    private static bool IsDataType(string type) => type is not ("BackboneElement" or "Element" or "Resource" or "DomainResource");

    private static TypeRef? TypeOf(ElementNode node, ElementSchema schema)
    {
        var types = schema.Types;
        if (types.Count == 1) return types[0].Code == node.Type || !schema.Definition.IsChoice ? types[0] : null;
        for (var i = 0; i < types.Count; i++)
            if (types[i].Code == node.Type) return types[i];
        return null;
    }

    private static void RunChecks(ElementNode node, ElementSchema schema, ValidationState state)
    {
        foreach (var check in schema.Checks) check.Check(node, state);
    }

    /// <summary>The children of a node against the children the schema lists: each checked, then counted.</summary>
    public void ValidateChildren(ElementNode node, ElementSchema schema, ValidationState state)
    {
        var defs = schema.Children;
        if (defs.Length == 0) return;
        Span<int> counts = defs.Length <= 128 ? stackalloc int[defs.Length] : new int[defs.Length];
        List<ElementNode>[]? sliced = null;
        // By index: enumerating the IReadOnlyList would allocate an enumerator per node.
        var children = node.Children;
        for (var c = 0; c < children.Count; c++)
        {
            var child = children[c];
            var i = schema.IndexOfChild(child.Name);
            // A name the definition does not have was reported by the parser (unknown element).
            if (i < 0) continue;
            counts[i]++;
            if (child.Name == "id" && !node.IsResource && child.Value is { } id) ElementIds.Seen(node, id, state);
            var def = defs[i];
            // A sliced element's nodes are validated by its slicing, each against the slice it is in (which holds what
            // the sliced element says) or else against the sliced element.
            if (def.Slicing is not null) ((sliced ??= new List<ElementNode>[defs.Length])[i] ??= []).Add(child);
            else ValidateNode(child, def, state);
        }
        // A primitive's value is the node's own, not a child: `string.value` (xhtml.value is 1..1) counts it.
        if (node.HasValue && schema.ValueIndex is var v and >= 0 && Schemas.Registry.IsPrimitiveType(node.Type)) counts[v]++;
        for (var i = 0; i < defs.Length; i++)
        {
            var def = defs[i];
            if (counts[i] < def.Min)
                state.Report(IssueSeverity.Error, "structure",
                    $"{def.Path}: minimum required = {def.Min}, but only found {counts[i]} (from {def.Profile.Canonical})", node);
            else if (counts[i] > def.Max)
                state.Report(IssueSeverity.Error, "structure",
                    $"{def.Path}: max allowed = {def.Max}, but found {counts[i]} (from {def.Profile.Canonical})", node);
            if (def.Slicing is { } slicing && (sliced?[i] is not null || slicing.HasRequiredSlices))
                slicing.Validate(node, def, (IReadOnlyList<ElementNode>?)sliced?[i] ?? [], state);
        }
    }

    /// <summary>
    /// An extension against the definition its url names (R4 extensibility.html §2.5.0.1). An unknown extension is a
    /// warning where <see cref="ValidatorOptions.AllowsUnknownExtension"/> (a resource may carry extensions of guides
    /// not loaded here) and an error elsewhere; an unknown modifier extension is always an error: it may change the
    /// meaning of what carries it, so nothing can be understood without it.
    /// </summary>
    private void ValidateExtension(ElementNode node, ElementSchema schema, ValidationState state)
    {
        // A complex extension's parts are named by relative urls, checked by the definition of their parent; any other
        // extension is identified by an absolute url (R4 extensibility.html §2.5.0.1: "url: identifies the meaning").
        var part = node.Parent?.Type == "Extension";
        if (node.Child("url")?.Value is not { Length: > 0 } url)
        {
            if (!part)
                state.Report(IssueSeverity.Error, "invalid", "Extension.url is required in order to identify, use and validate the extension", node);
            return;
        }
        if (!url.Contains(':'))
        {
            if (!part) state.Report(IssueSeverity.Error, "invalid", "Extension.url must be an absolute URL", node);
            return;
        }
        if (Schemas.ForCanonical(url) is { } definition)
        {
            // R4 extensibility.html §2.5.0.1: Extension.url is the definition's url, without its version (an extension's
            // meaning does not change between versions). Validated against the version found, as the HL7 validator.
            if (url.Contains('|'))
                state.Report(IssueSeverity.Error, "invalid",
                    $"The extension URL must not contain a version. The extension was validated against version {definition.Info.Version} of the extension", node);
            ValidateAgainst(node, definition, state);
            return;
        }
        if (Schemas.ProblemWith(url) is not null)
        {
            ReportUnusable(url, node, state);
            return;
        }
        if (!Options.AllowsUnknownExtension(url))
            state.Report(IssueSeverity.Error, "structure", $"The extension {url} could not be found so is not allowed here", node);
        else if (node.Name == "modifierExtension")
            state.Report(IssueSeverity.Error, "extension",
                $"The modifier extension '{url}' is unknown: the element it modifies cannot be understood without it.", node);
        else
            state.Report(IssueSeverity.Warning, "not-found", $"The extension '{url}' is unknown, so its content is not checked.", node);
    }

    /// <summary>
    /// The profiles an element's type names (ElementDefinition.type.profile): the node must conform to at least one
    /// (R4 elementdefinition.html: "the element must conform to at least one of them").
    /// </summary>
    private void ValidateTypeProfiles(ElementNode node, IReadOnlyList<string> profiles, ValidationState state)
    {
        if (profiles.Count == 1)
        {
            // The common case, without the list of alternatives.
            if (KnownProfile(profiles[0], node, state) is { } only) ValidateAgainst(node, only, state);
        }
        else ValidateAlternatives(node, profiles, state);
    }

    // Apart from ValidateTypeProfiles: the closure below would otherwise be allocated on every call of it.
    private void ValidateAlternatives(ElementNode node, IReadOnlyList<string> profiles, ValidationState state)
    {
        var known = new List<ProfileSchema>(profiles.Count);
        foreach (var p in profiles)
            if (KnownProfile(p, node, state) is { } s) known.Add(s);
        if (known.Count == 1)
        {
            ValidateAgainst(node, known[0], state);
            return;
        }
        IReadOnlyList<OutcomeIssue>? first = null;
        foreach (var schema in known)
        {
            if (state.Try(s => ValidateAgainst(node, schema, s), out var issues))
            {
                foreach (var issue in issues) state.Add(issue);
                return;
            }
            first ??= issues;
        }
        if (first is null) return;
        state.Report(IssueSeverity.Error, "structure",
            $"The element does not conform to any of the profiles its type allows ({string.Join(", ", known.Select(k => k.Canonical))}).", node);
        foreach (var issue in first) state.Add(issue);
    }

    // A profile an element's type names is part of the definition the instance is held to: unknown, that definition
    // cannot be checked, an error (where a meta.profile unknown here is only a claim the server cannot check).
    private ProfileSchema? KnownProfile(string canonical, ElementNode node, ValidationState state)
    {
        var schema = Schemas.ForCanonical(canonical);
        if (schema is not null) return schema;
        if (Schemas.ProblemWith(canonical) is not null) ReportUnusable(canonical, node, state);
        else state.Report(IssueSeverity.Error, "structure", $"Unknown profile {canonical}", node);
        return null;
    }
}
