using System.Buffers.Binary;
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
        private PropertyTable? _members;
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
            // Copied from the element: reading a property then touches this object only, not the (large) definition.
            Order = element.Order;
            IsCollection = element.IsCollection;
        }

        /// <summary>The element's position among its siblings: what the duplicate check keys on.</summary>
        public int Order { get; }
        public bool IsCollection { get; }

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
                var container = !Underscore && Element.HasInlineChildren ? Element : _registry.GetTypeDefinition(Type)?.Root;
                _members = container is null ? null : PropertyTable.For(container, _registry);
                _container = container;
                Volatile.Write(ref _containerResolved, true);
                return container;
            }
        }

        /// <summary>The properties the value's members may have (the table of <see cref="Container"/>).</summary>
        public PropertyTable? Members
        {
            get
            {
                if (!Volatile.Read(ref _containerResolved)) _ = Container;
                return _members;
            }
        }
    }

    /// <summary>
    /// The JSON properties an object of one definition may have, by UTF-8 name: open addressing over the names'
    /// bytes. Built once per element definition (and registry) and kept on the definition. A slot holds the first
    /// 16 bytes of its name, so that a lookup compares names within the table's array, without touching the
    /// property objects of other names (parsing many resource types makes these lookups cache misses).
    /// </summary>
    private sealed class PropertyTable
    {
        private struct Slot
        {
            public ulong Head;
            public ulong Next;
            public int Length;
            public JsonProperty? Property;
        }

        private readonly Slot[] _slots;
        private readonly int _mask;
        private readonly int _shift;

        private PropertyTable(DefinitionRegistry registry, List<JsonProperty> properties)
        {
            Registry = registry;
            var bits = 3;
            while ((1 << bits) < properties.Count * 2) bits++;
            _slots = new Slot[1 << bits];
            _mask = (1 << bits) - 1;
            _shift = 64 - bits;
            foreach (var p in properties)
            {
                var name = p.Utf8Name.AsSpan();
                var head = Load(name);
                var next = name.Length > 8 ? Load(name[8..]) : 0;
                var i = Index(head, name);
                while (_slots[i].Property is not null) i = (i + 1) & _mask;
                _slots[i] = new Slot { Head = head, Next = next, Length = name.Length, Property = p };
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
            var head = Load(utf8Name);
            var next = utf8Name.Length > 8 ? Load(utf8Name[8..]) : 0;
            var i = Index(head, utf8Name);
            var slots = _slots;
            while (true)
            {
                ref readonly var slot = ref slots[i];
                if (slot.Property is not { } p) return null;
                if (slot.Head == head && slot.Length == utf8Name.Length && slot.Next == next &&
                    (utf8Name.Length <= 16 || utf8Name[16..].SequenceEqual(p.Utf8Name.AsSpan(16))))
                    return p;
                i = (i + 1) & _mask;
            }
        }

        // Multiplicative hashing of the first bytes, the length and the last byte (names of one type often share
        // their first 8 bytes: valueCodeableConcept, valueCoding, valueCode).
        private int Index(ulong head, ReadOnlySpan<byte> name)
        {
            var last = name.IsEmpty ? 0UL : name[^1];
            return (int)(((head ^ ((ulong)name.Length << 56) ^ (last << 48)) * 0x9E3779B97F4A7C15UL) >> _shift);
        }

        // Up to 8 bytes, little-endian, zero-padded.
        private static ulong Load(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length >= 8) return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            ulong value = 0;
            for (var k = 0; k < bytes.Length; k++) value |= (ulong)bytes[k] << (8 * k);
            return value;
        }
    }
}
