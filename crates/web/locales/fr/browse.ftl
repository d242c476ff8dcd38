browse-see-all = Tout voir
browse-trending = Tendances
browse-recent = Ajouts récents
browse-local = Vidéos locales
browse-overview = Découvrir
browse-category-section = Catégorie { $name }
browse-pages = Pages
browse-prev = Page précédente
browse-next = Page suivante
browse-page-n = Page { $page }
browse-total = { $count ->
    [one] { $count } vidéo
   *[other] { $count } vidéos
}
browse-followers = { $count ->
    [one] { $count } abonné
   *[other] { $count } abonnés
}
browse-playlist-videos = { $count ->
    [one] { $count } vidéo
   *[other] { $count } vidéos
}
browse-sort = Tri
browse-sort-recent = Plus récentes
browse-sort-trending = Tendances
browse-sort-views = Plus vues
browse-sort-likes = Plus aimées
browse-sort-name = Nom
browse-scope = Où
browse-scope-all = Toutes les instances
browse-scope-local = Cette instance
browse-scope-federated = Autres instances
browse-category = Catégorie
browse-language = Langue
browse-any = Toutes
browse-nsfw = Contenu sensible
browse-nsfw-hide = Masquer
browse-nsfw-both = Afficher
browse-nsfw-only = Seulement le contenu sensible
browse-apply = Appliquer
browse-list-empty = Aucune vidéo ne correspond à ces filtres.
browse-clear-filters = Effacer les filtres
browse-search-title = Recherche
browse-search-title-for = Recherche : { $query }
browse-search-help = Astuce : collez l’adresse d’une vidéo ou d’une chaîne, ou un identifiant comme nom@exemple.org, pour la trouver sur une autre instance.
browse-search-tabs = Résultats de la recherche
browse-tab-videos = Vidéos
browse-tab-channels = Chaînes
browse-tab-playlists = Listes de lecture
browse-search-found = Trouvé sur une autre instance :
browse-search-lookup-failed = Rien n’a été trouvé à cette adresse. Vérifiez l’adresse ou l’identifiant et réessayez.
browse-search-lookup-sign-in = Connectez-vous pour chercher les vidéos et chaînes d’autres instances.
browse-search-empty = Aucun résultat. Essayez d’autres mots ou un autre onglet.
browse-remote = Sur une autre instance
browse-owned-by = Par
browse-subscribe = S’abonner
browse-unsubscribe = Se désabonner
browse-subscribe-sign-in = Connectez-vous pour vous abonner
browse-subscribed = Abonné.
browse-unsubscribed = Désabonné.
browse-about-actor = À propos
browse-no-videos = Pas encore de vidéo ici.
browse-no-playlists = Pas encore de liste de lecture publique ici.
browse-no-channels = Pas encore de chaîne.
browse-about-title = À propos de cette instance
browse-about-description = Description
browse-about-terms = Conditions d’utilisation
browse-about-rules = Code de conduite
browse-about-moderation = Modération
browse-about-admin = Administrateur
browse-about-languages = Langues parlées ici
browse-about-categories = Catégories favorites
browse-about-videos = Vidéos locales
browse-about-users = Utilisateurs
browse-about-empty = L’administrateur n’a pas encore décrit cette instance.
browse-load-more = Charger plus
