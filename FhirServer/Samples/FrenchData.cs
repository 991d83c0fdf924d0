namespace FhirServer.Samples;

/// <summary>
/// The small embedded lists the sample data draws on: real communes (INSEE code, name, postal code of the town hall),
/// common French given and family names with their accents, streets. People and numbers made from them are fictitious.
/// </summary>
internal static class FrenchData
{
    public static readonly IReadOnlyList<Commune> Communes =
    [
        new("01053", "Bourg-en-Bresse", "01000"), new("06088", "Nice", "06000"), new("13055", "Marseille", "13001"),
        new("14118", "Caen", "14000"), new("17300", "La Rochelle", "17000"), new("18033", "Bourges", "18000"),
        new("21231", "Dijon", "21000"), new("22278", "Saint-Brieuc", "22000"), new("25056", "Besançon", "25000"),
        new("29019", "Brest", "29200"), new("2A004", "Ajaccio", "20000"), new("2A247", "Porto-Vecchio", "20137"),
        new("2B033", "Bastia", "20200"), new("2B050", "Calvi", "20260"), new("30189", "Nîmes", "30000"),
        new("31555", "Toulouse", "31000"), new("33063", "Bordeaux", "33000"), new("34172", "Montpellier", "34000"),
        new("35238", "Rennes", "35000"), new("37261", "Tours", "37000"), new("38185", "Grenoble", "38000"),
        new("42218", "Saint-Étienne", "42000"), new("44109", "Nantes", "44000"), new("45234", "Orléans", "45000"),
        new("49007", "Angers", "49000"), new("51454", "Reims", "51100"), new("54395", "Nancy", "54000"),
        new("56260", "Vannes", "56000"), new("57463", "Metz", "57000"), new("59350", "Lille", "59000"),
        new("62041", "Arras", "62000"), new("63113", "Clermont-Ferrand", "63000"), new("64445", "Pau", "64000"),
        new("66136", "Perpignan", "66000"), new("67482", "Strasbourg", "67000"), new("68224", "Mulhouse", "68100"),
        new("69123", "Lyon", "69001"), new("72181", "Le Mans", "72000"), new("73065", "Chambéry", "73000"),
        new("74010", "Annecy", "74000"), new("75112", "Paris 12e Arrondissement", "75012"),
        new("75115", "Paris 15e Arrondissement", "75015"), new("75118", "Paris 18e Arrondissement", "75018"),
        new("76540", "Rouen", "76000"), new("80021", "Amiens", "80000"), new("83137", "Toulon", "83000"),
        new("84007", "Avignon", "84000"), new("86194", "Poitiers", "86000"), new("87085", "Limoges", "87000"),
        new("92012", "Boulogne-Billancourt", "92100"), new("93066", "Saint-Denis", "93200"), new("94028", "Créteil", "94000"),
        new("97209", "Fort-de-France", "97200"), new("97411", "Saint-Denis", "97400"),
    ];

    public static readonly IReadOnlyList<string> FemaleGivenNames =
    [
        "Hélène", "Zoé", "Léa", "Chloé", "Maëlle", "Inès", "Clémence", "Anaïs", "Éloïse", "Noémie", "Céline", "Frédérique",
        "Geneviève", "Josée", "Mélanie", "Solène", "Bérénice", "Agnès", "Marie", "Camille", "Juliette", "Manon", "Sophie",
        "Élodie", "Océane", "Françoise", "Thérèse", "Aurélie", "Gaëlle", "Léonie",
    ];

    public static readonly IReadOnlyList<string> MaleGivenNames =
    [
        "François", "Jérôme", "Stéphane", "Frédéric", "Benoît", "Noël", "Joël", "Raphaël", "Gaël", "Anaël", "Loïc", "Jérémy",
        "Hervé", "René", "André", "Clément", "Théo", "Léo", "Mathéo", "Timothée", "Cédric", "Sébastien", "Aurélien",
        "Grégoire", "Honoré", "Étienne", "Émile", "Jean", "Pierre", "Louis",
    ];

    public static readonly IReadOnlyList<string> FamilyNames =
    [
        "Lefèvre", "Lefébure", "Gérard", "Hébert", "Bénard", "Mézière", "Thébault", "Béranger", "Févrière", "Crémieux",
        "Lemaître", "Chênevière", "Dufrêne", "Pérez", "Mégret", "Séguin", "Dupré", "Désiré", "Lévêque", "Rémy",
        "Martin", "Bernard", "Dubois", "Durand", "Moreau", "Laurent", "Fournier", "Girard", "Bonnet", "Mercier",
        "Le Goff", "Le Gall", "De La Fontaine", "Saint-Just", "Boël", "Noël", "Müller", "Cœurdevey", "Leroy", "Ducœur",
    ];

    public static readonly IReadOnlyList<string> Streets =
    [
        "rue de la République", "avenue Jean-Jaurès", "boulevard Victor-Hugo", "rue des Écoles", "place de l'Église",
        "rue du Général-Leclerc", "chemin des Vignes", "allée des Tilleuls", "rue Émile-Zola", "impasse des Lilas",
        "rue de la Gare", "quai des Bateliers", "rue Pasteur", "avenue de la Libération", "rue Saint-Exupéry",
    ];
}
