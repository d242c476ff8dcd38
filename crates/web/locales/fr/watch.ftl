# La page d'une vidéo (/w/{id}) et la page d'une vidéo que le lecteur ne peut pas voir.
watch-processing = Cette vidéo est en cours de traitement ({ $state }). Elle sera lue ici dès qu'elle sera prête.
watch-actions = Actions sur la vidéo
watch-like = J'aime
watch-dislike = Je n'aime pas
watch-rate-sign-in = Connectez-vous pour noter cette vidéo.
watch-share = Partager
watch-share-link = Lien vers cette vidéo
watch-share-start = Commencer à
watch-share-start-at = Instant de départ (m:ss)
watch-share-embed = Code d'intégration
watch-copy = Copier le lien
watch-copied = Copié.
watch-close = Fermer
watch-cancel = Annuler
watch-loading = Chargement…
watch-download = Télécharger
watch-download-torrent = Torrent
watch-download-magnet = Lien magnet
watch-download-none = Aucun fichier à télécharger.
watch-save = Enregistrer
watch-save-new = Nouvelle liste de lecture
watch-save-create = Créer et ajouter
watch-save-none = Vous n'avez pas encore de liste de lecture : créez-en une ci-dessous.
watch-save-added = Ajoutée à la liste de lecture.
watch-save-removed = Retirée de la liste de lecture.
watch-report = Signaler
watch-report-title = Signaler cette vidéo
watch-report-reasons = Quel est le problème ?
watch-reason-violent = Violente ou répugnante
watch-reason-hateful = Haineuse ou injurieuse
watch-reason-spam = Spam ou trompeuse
watch-reason-privacy = Vie privée
watch-reason-rights = Droit d'auteur
watch-reason-rules = Enfreint les règles du serveur
watch-reason-thumbnails = Miniatures
watch-reason-captions = Sous-titres
watch-report-text = Précisez pour les modérateurs
watch-report-send = Envoyer le signalement
watch-report-sent = Merci : les modérateurs ont reçu votre signalement.
watch-subscribe = S'abonner
watch-unsubscribe = Se désabonner
watch-by-account = par { $name }
watch-quality = Qualité
watch-quality-auto = Auto
watch-origin = Une vidéo de { $host }.
watch-origin-copy = Lue depuis la copie de cette instance d'une vidéo de { $host } : elle se lit même quand { $host } est injoignable.
watch-origin-link = La voir sur son instance d'origine
watch-privacy = Visibilité
watch-category = Catégorie
watch-licence = Licence
watch-language = Langue
watch-tags = Mots-clés
watch-comments-feed = Commentaires de { $name }
watch-comments-count = { $count ->
    [0] Commentaires
    [one] 1 commentaire
   *[other] { $count } commentaires
}
watch-comments-disabled = Les commentaires sont désactivés pour cette vidéo.
watch-comments-approval = Le propriétaire de cette vidéo relit les nouveaux commentaires avant que d'autres les voient.
watch-comments-sort = Trier les commentaires
watch-sort-recent = Les plus récents
watch-sort-replies = Les plus de réponses
watch-comments-none = Aucun commentaire pour l'instant. Soyez le premier !
watch-comments-more = Plus de commentaires
watch-comment-add = Ajouter un commentaire
watch-comment-post = Publier
watch-comment-sign-in = Connectez-vous pour commenter.
watch-comment-reply = Répondre
watch-comment-delete = Supprimer
watch-comment-confirm-delete = Supprimer ce commentaire ?
watch-comment-deleted = Commentaire supprimé
watch-comment-held = En attente d'approbation
watch-comment-show-replies = Afficher les réponses
watch-comment-replies = { $count ->
    [one] Afficher 1 réponse
   *[other] Afficher { $count } réponses
}
watch-related = Autres vidéos
watch-related-none = Pas encore d'autre vidéo à suggérer.
watch-private-title = Vidéo privée
watch-private-sign-in = Cette vidéo est privée. Connectez-vous avec un compte autorisé à la voir.
watch-private-not-allowed = Cette vidéo est privée et votre compte n'est pas autorisé à la voir.
watch-private-home = Retour à l'accueil
