using System.Text.Json.Nodes;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Definitions.Snapshots;

/// <summary>
/// One snapshot being built: the base's elements, then each differential element found or made and merged.
/// Element order is the snapshot's (R4 §2.6.1.1): an element, its children, then its slices each with their children.
/// </summary>
internal sealed class SnapshotBuilder
{
    private readonly SnapshotGenerator _generator;
    private readonly List<JsonObject> _elements;
    private readonly HashSet<string> _inProgress;
    private readonly List<OutcomeIssue> _issues;
    private readonly bool _specialization;
    private readonly HashSet<string> _newSlices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _sliceContext = new(StringComparer.Ordinal);
    // Each element as it was before the differential touched it: the base's, or the type's for expanded children.
    private readonly Dictionary<string, JsonObject> _pristine = new(StringComparer.Ordinal);
    private string _location = "StructureDefinition.differential";
    private readonly List<(JsonObject Element, int Index, string Id)> _applied = [];

    /// <param name="root">
    /// For a specialization (a new type, a logical model), its root name: the base's elements are renamed to it, and
    /// differential elements the base does not have are new elements of the type.
    /// </param>
    public SnapshotBuilder(SnapshotGenerator generator, JsonArray baseElements, HashSet<string> inProgress, List<OutcomeIssue> issues, string? root = null)
    {
        _generator = generator;
        _specialization = root is not null;
        // A base snapshot is read as published (an added definition's may be malformed): elements without a path are left out.
        _elements = baseElements.OfType<JsonObject>().Where(e => JsonValues.Text(e, "path") is not null).Select(e => (JsonObject)e.DeepClone()).ToList();
        var baseRoot = _elements.Count > 0 ? Path(_elements[0]) : null;
        // Snapshots older than R4 may lack element ids: give them the ids R4 would (ElementIds.Synthesize).
        var sliceContext = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in _elements)
        {
            var synthesized = ElementIds.Synthesize(Path(e), JsonValues.Text(e, "sliceName"), sliceContext);
            if (JsonValues.Text(e, "id") is null) e["id"] = synthesized;
            if (root is not null && baseRoot is not null && root != baseRoot) Rename(e, baseRoot, root);
            _pristine.TryAdd(Id(e), (JsonObject)e.DeepClone());
        }
        _inProgress = inProgress;
        _issues = issues;
    }

    public JsonArray ToJsonArray() => new([.. _elements]);

    public void Apply(JsonObject differential, int index)
    {
        _location = $"StructureDefinition.differential.element[{index}]";
        differential = ElementShape.Checked(differential, Error);
        if (JsonValues.Text(differential, "path") is not { Length: > 0 } path)
        {
            Error("required", "A differential element needs a path.");
            return;
        }
        var synthesized = ElementIds.Synthesize(path, JsonValues.Text(differential, "sliceName"), _sliceContext);
        var id = JsonValues.Text(differential, "id") ?? synthesized;
        if (ElementIds.PathOf(id) != path)
        {
            // The path says which element this is; the HL7 Java validator goes by the path too.
            Error("invalid", $"The element id '{id}' does not match its path '{path}': the path is followed (id '{synthesized}').", IssueSeverity.Warning);
            id = synthesized;
        }
        var at = Ensure(id);
        if (at < 0) return;
        // R4 profiling.html §5.1.0.7: slicing is of an element that repeats within its parent; a profile's root has none.
        if (at == 0 && !_specialization && differential["slicing"] is not null)
            Error("invalid", $"The profile has slicing at the root ('{path}'), which is illegal");
        ElementMerger.Merge(_elements[at], differential, _newSlices.Contains(Id(_elements[at])), Error);
        _applied.Add((_elements[at], index, id));
    }

    /// <summary>
    /// The differential's elements in the snapshot's order (R4 structuredefinition.html: the differential lists its
    /// elements "in the same order" as the snapshot). The HL7 Java validator walks the base and the differential
    /// together, so that an element listed before one that comes earlier in the base is passed over: the same
    /// elements are reported here, after the snapshot is made (with them: what they say is kept). Elements within
    /// slices are left out: where a generator puts a re-slice among its siblings is its own choice.
    /// </summary>
    public void CheckOrder(string url)
    {
        var positions = _applied.Where(a => !a.Id.Contains(':'))
            .Select(a => (Snapshot: _elements.IndexOf(a.Element), a.Index, a.Id)).Where(p => p.Snapshot >= 0)
            .OrderBy(p => p.Snapshot).ThenBy(p => p.Index).ToList();
        var cursor = -1;
        var passed = new List<(int Index, string Id)>();
        foreach (var (_, index, id) in positions)
        {
            if (index > cursor) cursor = index;
            else passed.Add((index, id));
        }
        if (passed.Count == 0) return;
        foreach (var (index, id) in passed.OrderBy(p => p.Index))
            _issues.Add(new(IssueSeverity.Error, "structure",
                $"No match found for {id} in the generated snapshot: check that the path and definitions are legal in the differential (including order)",
                $"StructureDefinition.differential.element[{index}]"));
        _issues.Add(new(IssueSeverity.Error, "structure",
            $"The profile {url} has {passed.Count} element{(passed.Count == 1 ? "" : "s")} in the differential (id: {string.Join(", ", passed.OrderBy(p => p.Index).Select(p => p.Id))}) that don't have a matching element in the snapshot: check that the path and definitions are legal in the differential (including order)",
            "StructureDefinition.differential"));
    }

    /// <summary>The index of the element with this id, made when it is a new slice or a child of a type not yet expanded; -1 after an error.</summary>
    private int Ensure(string id)
    {
        var found = Find(id);
        if (found >= 0) return found;
        var dot = ElementIds.LastSegmentStart(id);
        if (dot < 0)
        {
            Error("not-found", $"The element '{id}' is not in the base, whose root is '{Id(_elements[0])}'.");
            return -1;
        }
        var segment = id[(dot + 1)..];
        var colon = segment.IndexOf(':');
        if (colon >= 0) return MakeSlice(id, id[..dot], segment, colon);

        var parent = Ensure(id[..dot]);
        if (parent < 0) return -1;
        var parentId = Id(_elements[parent]);
        // A specialization's new element (a logical model's root, a new backbone element) has no type to expand.
        if (!HasChildren(parent) && (!_specialization || IsExpandable(parent)) && !Expand(parent)) return -1;
        found = Find(parentId + "." + segment);
        if (found >= 0) return found;
        found = FindRenamedChoice(parent, segment);
        if (found >= 0) return found;
        if (_specialization) return AddNew(parent, parentId + "." + segment);
        Error("not-found", $"'{Path(_elements[parent])}' has no element '{segment}' (element id '{id}').");
        return -1;
    }

    /// <summary>
    /// An element a specialization adds (R4 structuredefinition.html: a specialization defines new elements), made
    /// after its parent's last descendant; the differential's element then gives it all it has.
    /// </summary>
    private int AddNew(int parent, string id)
    {
        var end = parent + 1;
        var parentId = Id(_elements[parent]);
        while (end < _elements.Count && ElementIds.IsDescendant(Id(_elements[end]), parentId)) end++;
        Insert(end, [new JsonObject { ["id"] = id, ["path"] = Path(_elements[parent]) + id[parentId.Length..] }]);
        return end;
    }

    private bool IsExpandable(int index) =>
        JsonValues.Text(_elements[index], "contentReference") is not null || _elements[index]["type"] is JsonArray { Count: 1 };

    /// <summary>
    /// A new slice, after the sliced element's last slice, as the HL7 IG Publisher makes it: a copy of the sliced
    /// element as the base had it (what this differential says of the sliced element itself, such as FR Core
    /// Patient's profile on Patient.name, is not the slice's), without its slicing, followed by the sliced
    /// element's children as they stand (FR Core Patient: the binding it put on Patient.identifier.type holds in
    /// every identifier slice). A typed element whose children are not in the snapshot gets them from its type
    /// when the differential reaches them.
    /// </summary>
    private int MakeSlice(string id, string parentId, string segment, int colon)
    {
        var slash = segment.LastIndexOf('/');
        var slicedId = parentId + "." + (slash > colon ? segment[..slash] : segment[..colon]);
        var sliced = Ensure(slicedId);
        if (sliced < 0) return -1;
        slicedId = Id(_elements[sliced]);
        // Reaching the sliced element may have brought the slice with it (the slices of a type profile).
        var existing = Find(slicedId + id[(parentId.Length + 1 + (slash > colon ? slash : colon))..]);
        if (existing >= 0) return existing;
        var current = _elements[sliced];
        var path = Path(current);
        if (current["slicing"] is null && (path.EndsWith(".extension", StringComparison.Ordinal) || path.EndsWith(".modifierExtension", StringComparison.Ordinal)))
        {
            // R4 extensibility.html: extensions are always sliced by url, whether the base says so or not.
            current["slicing"] = new JsonObject
            {
                ["discriminator"] = new JsonArray(new JsonObject { ["type"] = "value", ["path"] = "url" }),
                ["description"] = "Extensions are always sliced by (at least) url",
                ["rules"] = "open",
            };
        }
        if (current["slicing"] is null && JsonValues.Text(current, "sliceName") is null && !slicedId.EndsWith("[x]", StringComparison.Ordinal))
            Error("invalid", $"'{slicedId}' is not sliced (no slicing in the base or before this slice), yet '{id}' slices it.", IssueSeverity.Warning);

        var source = _pristine.GetValueOrDefault(slicedId) ?? current;
        var slice = (JsonObject)source.DeepClone();
        slice.Remove("slicing");
        slice["id"] = id;
        slice["sliceName"] = segment[(colon + 1)..];
        var copies = new List<JsonObject> { slice };
        var end = sliced + 1;
        for (; end < _elements.Count && ElementIds.InFamily(Id(_elements[end]), slicedId); end++)
            if (ElementIds.IsDescendant(Id(_elements[end]), slicedId))
                copies.Add(Rebased(_elements[end], slicedId, id, null, null));
        Insert(end, copies);
        _newSlices.Add(id);
        return end;
    }

    /// <summary>Adds an element's children from its type (or its type's profile), or from the element its contentReference names.</summary>
    private bool Expand(int index)
    {
        var element = _elements[index];
        var id = Id(element);
        var path = Path(element);
        if (JsonValues.Text(element, "contentReference") is { } reference)
        {
            var targetId = reference[(reference.IndexOf('#') + 1)..];
            var target = Find(targetId);
            if (target < 0) return Fail($"'{id}' refers to '{reference}', which is not in the snapshot.");
            var targetPath = Path(_elements[target]);
            var children = new List<JsonObject>();
            for (var i = target + 1; i < _elements.Count && ElementIds.InFamily(Id(_elements[i]), targetId); i++)
                if (ElementIds.IsDescendant(Id(_elements[i]), targetId) && JsonValues.Text(_elements[i], "sliceName") is null)
                    children.Add(Rebased(_elements[i], targetId, id, targetPath, path));
            Insert(index + 1, children);
            return true;
        }

        if (element["type"] is JsonArray { Count: > 1 } choices && choices.All(t => JsonValues.Text(t, "code") is not null))
        {
            // A choice of several types: the children they all have, Element's (id, extension), as the HL7 Java
            // validator gives them (its common data type); MedicationStatement.effective[x].extension for an
            // extension whichever the type.
            return ExpandFrom(index, DefinitionRegistry.CoreStructurePrefix + "Element");
        }
        if (element["type"] is not JsonArray { Count: 1 } types || types[0] is not JsonObject type || JsonValues.Text(type, "code") is not { } code)
            return Fail($"'{id}' has no type: its children cannot be known.");
        var typeUrl = code.Contains(':') ? code : DefinitionRegistry.CoreStructurePrefix + code;
        var canonical = type["profile"] is JsonArray { Count: 1 } profiles && JsonValues.Text(profiles[0]) is { } profile ? profile : typeUrl;
        if (canonical != typeUrl && !_generator.IsKnown(canonical))
        {
            // As the HL7 Java validator does (ProfileUtilities.getProfileForDataType): a type profile that cannot be
            // found gives way to its type, whose children hold whatever the profile would constrain.
            Error("not-found", $"The type profile '{canonical}' of '{id}' is unknown: its children come from the type {code}, without the profile's constraints.", IssueSeverity.Warning);
            canonical = typeUrl;
        }
        return ExpandFrom(index, canonical);
    }

    private bool ExpandFrom(int index, string canonical)
    {
        var id = Id(_elements[index]);
        var path = Path(_elements[index]);
        var snapshot = _generator.SnapshotOf(canonical, _inProgress, _issues, _location);
        if (snapshot?.FirstOrDefault() is not JsonObject root || JsonValues.Text(root, "path") is not { } rootPath)
            return Fail($"The children of '{id}' come from '{canonical}', which has no snapshot.");
        var rootId = Id(root);
        Insert(index + 1, snapshot.Skip(1).OfType<JsonObject>().Where(e => JsonValues.Text(e, "path") is not null).Select(e => Rebased(e, rootId, id, rootPath, path)).ToList());
        return true;
    }

    /// <summary>
    /// A choice named for one of its types (<c>valueQuantity</c> for <c>value[x]</c>, R4 profiling.html#choice), as
    /// the R4 snapshots have it (bmi, bp): the choice element is narrowed to the types so named and sliced by type
    /// (closed), and the constraints go to the slice <c>value[x]:valueQuantity</c>, its children below it; but inside
    /// a slice the choice element is narrowed in place and takes the constraints itself (bp's
    /// Observation.component:SystolicBP.valueQuantity is Observation.component:SystolicBP.value[x]).
    /// </summary>
    private int FindRenamedChoice(int parent, string segment)
    {
        var parentId = Id(_elements[parent]);
        for (var i = parent + 1; i < _elements.Count && ElementIds.InFamily(Id(_elements[i]), parentId); i++)
        {
            var candidate = Id(_elements[i]);
            if (!candidate.EndsWith("[x]", StringComparison.Ordinal) || ElementIds.LastSegmentStart(candidate) != parentId.Length) continue;
            var name = candidate[(parentId.Length + 1)..^3];
            if (!segment.StartsWith(name, StringComparison.Ordinal) || segment.Length == name.Length) continue;
            var typeName = segment[name.Length..];
            var match = (_pristine.GetValueOrDefault(candidate) ?? _elements[i])["type"] is JsonArray types
                ? types.OfType<JsonObject>().FirstOrDefault(t => JsonValues.Text(t, "code") is { Length: > 0 } c && TypeRef.Of(c).ChoiceSuffix == typeName)
                : null;
            if (match is null) continue;
            var sliceId = candidate + ":" + segment;
            var existing = Find(sliceId);
            if (existing >= 0) return existing;
            var choice = _elements[i];
            if (candidate.Contains(':'))
            {
                choice["type"] = new JsonArray(match.DeepClone());
                return i;
            }

            choice["slicing"] ??= new JsonObject
            {
                ["discriminator"] = new JsonArray(new JsonObject { ["type"] = "type", ["path"] = "$this" }),
                ["ordered"] = false,
                ["rules"] = "closed",
            };
            // The first type named replaces the choice's types; the next ones are added to it.
            if (_newSlices.Any(s => s.StartsWith(candidate + ":", StringComparison.Ordinal)) && choice["type"] is JsonArray named)
                named.Add(match.DeepClone());
            else
                choice["type"] = new JsonArray(match.DeepClone());
            var slice = MakeSlice(sliceId, parentId, candidate[(parentId.Length + 1)..] + ":" + segment, name.Length + 3);
            if (slice >= 0) _elements[slice]["type"] = new JsonArray(match.DeepClone());
            return slice;
        }
        return -1;
    }

    private bool HasChildren(int index)
    {
        var id = Id(_elements[index]);
        return index + 1 < _elements.Count && ElementIds.IsDescendant(Id(_elements[index + 1]), id);
    }

    private static JsonObject Rebased(JsonObject element, string fromId, string toId, string? fromPath, string? toPath)
    {
        var copy = (JsonObject)element.DeepClone();
        copy["id"] = toId + Id(element)[fromId.Length..];
        if (fromPath is not null && toPath is not null)
        {
            var path = Path(element);
            copy["path"] = toPath + path[fromPath.Length..];
        }
        return copy;
    }

    // A specialization's root: Base.id becomes Foo.id (a logical model Foo on Base).
    private static void Rename(JsonObject element, string from, string to)
    {
        var id = Id(element);
        if (ElementIds.InFamily(id, from)) element["id"] = to + id[from.Length..];
        var path = Path(element);
        if (path == from || path.StartsWith(from + ".", StringComparison.Ordinal)) element["path"] = to + path[from.Length..];
    }

    private void Insert(int index, List<JsonObject> elements)
    {
        _elements.InsertRange(index, elements);
        foreach (var e in elements) _pristine.TryAdd(Id(e), (JsonObject)e.DeepClone());
    }

    private int Find(string id) => _elements.FindIndex(e => Id(e) == id);

    // Every element here has a string path (base elements without one are left out, differential ones checked) and,
    // once the constructor has run, a string id.
    private static string Id(JsonObject element) => JsonValues.Text(element, "id") ?? Path(element);

    private static string Path(JsonObject element) => JsonValues.Text(element, "path") ?? "";

    private bool Fail(string message)
    {
        Error("not-found", message);
        return false;
    }

    private void Error(string code, string message) => Error(code, message, IssueSeverity.Error);

    private void Error(string code, string message, IssueSeverity severity) => _issues.Add(new(severity, code, message, _location));
}
