using System.Text;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Serialization;

public sealed partial class FhirJsonParser
{
    /// <summary>
    /// What the parser needs to know about one JSON property name of one object type (<c>valueQuantity</c>,
    /// <c>_given</c>), worked out once: the element, its type, and how the value is read. The parse of a property is
    /// then one lookup on the name's UTF-8 bytes, without decoding the name or asking the registry again.
    /// </summary>
    private sealed class JsonProperty
    {
        private readonly DefinitionRegistry _registry;
        private ElementDefinitionInfo? _container;
        private bool _containerResolved;

        public JsonProperty(DefinitionRegistry registry, byte[] utf8Name, ElementDefinitionInfo element, TypeRef? choiceType, bool underscore)
        {
            _registry = registry;
            Utf8Name = utf8Name;
            Element = element;
            Underscore = underscore;
            Type = choiceType?.Code ?? element.TypeCode ?? "Element";
            IsPrimitive = registry.IsPrimitiveType(Type);
            IsResource = !IsPrimitive && (Type is "Resource" or "DomainResource" ||
                (registry.IsResourceType(Type) && registry.GetTypeDefinition(Type)?.IsAbstract == true));
            IsIdOrExtension = element.Name is "id" or "extension";
            Kind = PrimitiveRules.JsonKind(Type);
            IsBase64 = Type == "base64Binary";
            Shape = NodeShape.For(element.Name, Type, element, isResource: false);
        }

        /// <summary>What the nodes of this property share (name, type, definition).</summary>
        public NodeShape Shape { get; }

        public byte[] Utf8Name { get; }
        public ElementDefinitionInfo Element { get; }
        /// <summary>The FHIR type: the choice type for <c>valueQuantity</c>, else the element's single type.</summary>
        public string Type { get; }
        /// <summary>The <c>_name</c> part of a primitive (id and extension).</summary>
        public bool Underscore { get; }
        public bool IsPrimitive { get; }
        /// <summary>The value is a resource (contained, Bundle.entry.resource…): an abstract resource type.</summary>
        public bool IsResource { get; }
        public bool IsIdOrExtension { get; }
        public JsonPrimitiveKind Kind { get; }
        public bool IsBase64 { get; }

        /// <summary>
        /// The definition of the value's members: the inline children (backbone elements), else the root of the type
        /// (for <c>_name</c>: of the primitive type). Resolved on first use, since that may compile a StructureDefinition.
        /// </summary>
        public ElementDefinitionInfo? Container
        {
            get
            {
                if (Volatile.Read(ref _containerResolved)) return _container;
                _container = !Underscore && Element.HasInlineChildren ? Element : _registry.GetTypeDefinition(Type)?.Root;
                Volatile.Write(ref _containerResolved, true);
                return _container;
            }
        }
    }

    /// <summary>
    /// The JSON properties an object of one definition may have, by UTF-8 name: open addressing over the names'
    /// bytes. Built once per element definition (and registry) and kept on the definition.
    /// </summary>
    private sealed class PropertyTable
    {
        private readonly JsonProperty?[] _slots;
        private readonly int _mask;

        private PropertyTable(DefinitionRegistry registry, List<JsonProperty> properties)
        {
            Registry = registry;
            var size = 8;
            while (size < properties.Count * 2) size *= 2;
            _slots = new JsonProperty?[size];
            _mask = size - 1;
            foreach (var p in properties)
            {
                var i = (int)(Hash(p.Utf8Name) & (uint)_mask);
                while (_slots[i] is not null) i = (i + 1) & _mask;
                _slots[i] = p;
            }
        }

        public DefinitionRegistry Registry { get; }

        public static PropertyTable For(ElementDefinitionInfo container, DefinitionRegistry registry)
        {
            var target = container.Target;
            if (Volatile.Read(ref target.JsonParserCache) is PropertyTable table && ReferenceEquals(table.Registry, registry)) return table;
            table = Build(target, registry);
            Volatile.Write(ref target.JsonParserCache, table);
            return table;
        }

        private static PropertyTable Build(ElementDefinitionInfo container, DefinitionRegistry registry)
        {
            var properties = new List<JsonProperty>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (name, (element, choiceType)) in container.JsonNames)
            {
                // "_name" always means the extras of "name"; no FHIR element name starts with '_'.
                if (name.Length == 0 || name[0] == '_') continue;
                if (names.Add(name))
                    properties.Add(new JsonProperty(registry, Encoding.UTF8.GetBytes(name), element, choiceType, underscore: false));
                if (names.Add("_" + name))
                    properties.Add(new JsonProperty(registry, Encoding.UTF8.GetBytes("_" + name), element, choiceType, underscore: true));
            }
            return new PropertyTable(registry, properties);
        }

        public JsonProperty? Find(ReadOnlySpan<byte> utf8Name)
        {
            var i = (int)(Hash(utf8Name) & (uint)_mask);
            while (true)
            {
                var p = _slots[i];
                if (p is null) return null;
                if (utf8Name.SequenceEqual(p.Utf8Name)) return p;
                i = (i + 1) & _mask;
            }
        }

        // FNV-1a: property names are short.
        private static uint Hash(ReadOnlySpan<byte> utf8)
        {
            var h = 2166136261u;
            foreach (var b in utf8) h = (h ^ b) * 16777619u;
            return h;
        }
    }
}
